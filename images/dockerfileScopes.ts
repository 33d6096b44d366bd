/**
 * Which values `ARG` and `ENV` give the variables a Dockerfile uses in its paths, modelled on BuildKit's
 * `frontend/dockerfile/dockerfile2llb/convert.go`: ARGs before the first FROM are global and reach a stage only
 * when the stage declares them again (`dispatchArg` takes the value from the build args, else the default, else
 * the global value); inside a stage, ARG and ENV both set the stage's environment in order, the last one winning
 * (both end in `d.state.AddEnv`), and words are expanded against that environment (`getEnv(d.state)`).
 *
 * Whatever a build would take from outside the Dockerfile is `UNKNOWN`: the environment of an external base
 * image, and the platform ARGs BuildKit fills in itself.
 */
import { expandWord, UNKNOWN, type VariableValue } from "./shellWords";

/**
 * The ARGs BuildKit defines itself (`defaultArgs` in `frontend/dockerfile/dockerfile2llb/platform.go`), whose
 * values depend on the engine and the build's options rather than on the file.
 */
const AUTOMATIC_ARGS = new Set([
  "BUILDPLATFORM",
  "BUILDOS",
  "BUILDOSVERSION",
  "BUILDARCH",
  "BUILDVARIANT",
  "TARGETPLATFORM",
  "TARGETOS",
  "TARGETOSVERSION",
  "TARGETARCH",
  "TARGETVARIANT",
  "TARGETSTAGE",
]);

interface Stage {
  readonly vars: Map<string, string | typeof UNKNOWN>;
  /**
   * Whether a variable the stage never set is known to be unset: true on `scratch` and on stages built from
   * one; false on an external image, whose ENV the Dockerfile does not show.
   */
  readonly baseKnown: boolean;
}

/** The variable scopes of one Dockerfile, fed its instructions in order. */
export class DockerfileScopes {
  private readonly globals = new Map<string, string | typeof UNKNOWN>();
  private readonly stages = new Map<string, Stage>();
  private current: Stage | undefined;

  constructor(
    private readonly buildArgs: Readonly<Record<string, string>>,
    private readonly escapeChar: string,
  ) {}

  /** Whether a FROM has been seen, i.e. instructions now belong to a stage. */
  get inStage(): boolean {
    return this.current !== undefined;
  }

  /** A variable's value where the next instruction stands. */
  lookup(name: string): VariableValue {
    const stage = this.current;
    if (stage === undefined) return this.globalValue(name);
    if (stage.vars.has(name)) return stage.vars.get(name);
    return stage.baseKnown ? undefined : UNKNOWN;
  }

  /** Expands a word against the current scope; `UNKNOWN` when it cannot be resolved statically. */
  expand(word: string): string | typeof UNKNOWN {
    return expandWord(word, (name) => this.lookup(name), this.escapeChar) ?? UNKNOWN;
  }

  private globalValue(name: string): VariableValue {
    if (this.globals.has(name)) return this.globals.get(name);
    return AUTOMATIC_ARGS.has(name) ? UNKNOWN : undefined;
  }

  private hasBuildArg(name: string): boolean {
    return Object.prototype.hasOwnProperty.call(this.buildArgs, name);
  }

  /** `ARG name[=default]`, with `rawDefault` as written (quotes and variables unexpanded), `null` for none. */
  declareArg(name: string, rawDefault: string | null): void {
    let value: string | typeof UNKNOWN | undefined;
    if (this.hasBuildArg(name)) value = this.buildArgs[name];
    else if (rawDefault !== null) value = this.expand(rawDefault);
    else if (this.current !== undefined) value = this.globalValue(name);
    // An ARG with no value at all leaves the variable as it was (unset, or what ENV or the base image set).
    if (value === undefined) return;
    (this.current?.vars ?? this.globals).set(name, value);
  }

  /** One `ENV` instruction: every value is expanded before any is set, as Docker does for `ENV a=1 b=$a`. */
  setEnv(pairs: readonly { readonly name: string; readonly rawValue: string }[]): void {
    const stage = this.current;
    if (stage === undefined) return;
    const values = pairs.map(({ name, rawValue }) => [name, this.expand(rawValue)] as const);
    for (const [name, value] of values) stage.vars.set(name, value);
  }

  /**
   * `FROM <image> [AS <name>]`: a stage built on an earlier stage inherits its environment, as the image config
   * is inherited; `scratch` has none; any other image has one the Dockerfile does not show.
   */
  startStage(rawImage: string, name: string | undefined): void {
    this.current = undefined; // FROM expands against the global ARGs only.
    const image = this.expand(rawImage);
    const parent = image === UNKNOWN ? undefined : this.stages.get(image.toLowerCase());
    let stage: Stage;
    if (parent !== undefined) stage = { vars: new Map(parent.vars), baseKnown: parent.baseKnown };
    else stage = { vars: new Map(), baseKnown: image !== UNKNOWN && image.toLowerCase() === "scratch" };
    if (name !== undefined) this.stages.set(name.toLowerCase(), stage);
    this.current = stage;
  }
}
