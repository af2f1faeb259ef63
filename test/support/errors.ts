import { App } from 'cdk8s';

/**
 * The exact message of the Error `build` throws, asserting it is a plain Error (never a TypeError
 * or another class from deep inside); fails when nothing is thrown.
 */
export function plainErrorMessage(build: () => unknown): string {
  try {
    build();
  } catch (e) {
    expect((e as Error).constructor).toBe(Error);
    return (e as Error).message;
  }
  throw new Error('expected an error, none was thrown');
}

/** The exact message of synthesizing (validations included) what `build` adds to a new App. */
export function appSynthMessage(build: (app: App) => unknown): string {
  return plainErrorMessage(() => {
    const app = new App();
    build(app);
    app.synthYaml();
  });
}
