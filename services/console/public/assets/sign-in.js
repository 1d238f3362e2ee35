// Sign-in: fetch a CSRF token, post the credentials, go to the console.
const form = document.getElementById('sign-in');
const error = document.getElementById('sign-in-error');

async function csrfToken() {
  const res = await fetch('/api/csrf', { credentials: 'same-origin' });
  return (await res.json()).token;
}

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  error.textContent = '';
  const body = { user: form.user.value.trim(), password: form.password.value };
  const res = await fetch('/api/sign-in', {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'content-type': 'application/json', 'x-csrf-token': await csrfToken() },
    body: JSON.stringify(body),
  });
  if (res.ok) {
    window.location.assign('/');
    return;
  }
  const answer = await res.json().catch(() => ({ error: `sign-in failed (${res.status})` }));
  error.textContent = answer.error;
  form.password.value = '';
  form.password.focus();
});
