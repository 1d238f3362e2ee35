import { RelayError } from '@relay/wire';

/** Stable codes of the dispatcher's refusals; they travel in `Relay-Error` on the DLQ. */
export const DispatcherErrorCode = {
  ObservationInvalid: 'observation-invalid',
  StatusInvalid: 'status-invalid',
  StatusHotlineMismatch: 'status-hotline-mismatch',
  StatusUnknownCase: 'status-unknown-case',
  StatusNotRoutedHotline: 'status-not-routed-hotline',
  StatusWrongReferral: 'status-wrong-referral',
  /** `occurredAt` before the referral it is about, or ahead of now, beyond the clock skew allowed. */
  StatusTimeOutOfBounds: 'status-time-out-of-bounds',
  /** An authority order reported by someone other than the removal authority or an operator. */
  StatusNotAuthority: 'status-not-authority',
} as const;
export type DispatcherErrorCode = (typeof DispatcherErrorCode)[keyof typeof DispatcherErrorCode];

/** A message the dispatcher refuses for good: the consumer runner puts it on the DLQ with this code. */
export class RefusedMessageError extends RelayError {
  override name = 'RefusedMessageError';

  constructor(code: DispatcherErrorCode, message: string) {
    super(code, message, { retryable: false });
  }
}

/** True when `err` is a {@link RefusedMessageError}. */
export function isRefusedMessageError(err: unknown): err is RefusedMessageError {
  return err instanceof RefusedMessageError;
}
