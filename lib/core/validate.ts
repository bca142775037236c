/**
 * The one unknown-option check (docs/architecture.md, "Each rule once"): every factory and
 * `createStepup` call it when they are called, so a typo is a TypeError at start-up that names
 * the valid options, never a silently ignored setting at request time.
 */
export function assertKnownKeys(
  where: string,
  options: object,
  known: ReadonlySet<string> | readonly string[],
): void {
  if (options === null || typeof options !== 'object') {
    throw new TypeError(`${where}: options must be an object`);
  }
  const valid = known instanceof Set ? known : new Set(known as readonly string[]);
  for (const key of Object.keys(options)) {
    if (!valid.has(key)) {
      throw new TypeError(
        `${where}: unknown option ${JSON.stringify(key)}. Valid options: ${[...valid].join(', ')}`,
      );
    }
  }
}
