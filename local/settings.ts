/** Binding values may name an app setting as `%NAME%`, resolved from the environment as the host does. */
export function resolveSetting(value: string, env: NodeJS.ProcessEnv = process.env): string {
  return value.replace(/%([^%]+)%/g, (_, name: string) => {
    const resolved = env[name];
    if (resolved === undefined) throw new Error(`Binding refers to app setting %${name}%, which is not set.`);
    return resolved;
  });
}
