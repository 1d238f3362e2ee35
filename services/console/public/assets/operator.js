// Operator: the whole relay at a glance.
import { el } from './dom.js';

export function operatorView() {
  return el('div', { class: 'operator' }, el('h2', {}, 'Operator'));
}
