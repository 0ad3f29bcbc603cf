/** Thrown when construct props are inconsistent; the message shows the values and the fix. */
export class WebhookPropsError extends Error {
  override readonly name = 'WebhookPropsError';
}
