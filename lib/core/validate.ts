/**
 * The one range check of whole-number options (docs/architecture.md, "Each rule once"): a
 * TypeError at start-up in one wording, `<label> must be a whole number from <min> to <max>,
 * got <value>`. Returns the value.
 */
export function wholeNumber(label: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new TypeError(
      `${label} must be a whole number from ${min} to ${max}, got ${JSON.stringify(value) ?? String(value)}`,
    );
  }
  return value;
}

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
