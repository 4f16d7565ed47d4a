/**
 * What a Dockerfile template is: one object per ecosystem (pip, uv, conda, …), registered
 * in index.ts. renderDockerfile (dockerfile.ts) keeps the fixed skeleton of every
 * Dockerfile (layer order, comments, metadata, content, volumes) and asks the template
 * at each point where ecosystems differ: the base image, the user that runs Jupyter, the
 * install step, the command. generateBundle (bundle.ts) asks it which file lists the
 * packages, where Jupyter comes from and whether the offline wheelhouse applies.
 *
 * Every string a hook returns goes into the Dockerfile as is: only fixed text, the
 * constants below and values the caller has already validated (the Jupyter pin, the
 * Python version) may be in it.
 */
import { IRequirementsPlan } from '../requirements/requirementsPlan';
import { IEnvironmentSnapshot } from '../environment/snapshot';
import { ITranslate } from '../shared/text';

/** The uid of the user that runs Jupyter (docker-stacks' and Binder's NB_UID). */
export const NB_UID = 1000;

export type InstallFile = 'requirements.txt' | 'environment.yml';

/** The image's Python, validated (bundle.ts). */
export interface IPythonVersion {
  /** X.Y or X.Y.Z, as chosen (the option) or captured (the kernel). */
  version: string;
  /** X.Y */
  minor: string;
  /**
   * X.Y.Z the image runs, as far as known: the version itself, or for an X.Y the kernel's
   * X.Y.Z of the same minor (python:X.Y-slim has that or a later patch); null otherwise.
   */
  full: string | null;
}

export interface IBaseImageRequest {
  python: IPythonVersion;
  /** The caller's baseImage option: untrusted, any type (only needsBaseImage reads it). */
  requested: unknown;
  /** Where to say why a requested image is not used. */
  warnings: string[];
}

/** The user part of the first RUN step (after the apt packages, as root). */
export interface IUserSetup {
  /** Comment lines ("# …") above the step. */
  comments: string[];
  /** Shell commands, joined to the step with &&. */
  commands: string[];
}

/** What a template that writes its own install file works from. */
export interface IInstallFileInput {
  snapshot: IEnvironmentSnapshot;
  /** The plan as the bundle uses it (requirements.txt is written from it). */
  plan: IRequirementsPlan;
  python: IPythonVersion;
  /** The Jupyter that serves the notebook, [name, version], when the plan lacks it. */
  jupyter: readonly [string, string];
}

/** The install step when it reads the index (not the offline wheelhouse). */
export interface IInstallStep {
  /** Comment lines ("# …") between the mirror arguments and the RUN. */
  comments: string[];
  /**
   * BuildKit only: the RUN's `--mount=…` options (cache mounts, which never end up in
   * the image). Absent or empty for the classic builder.
   */
  mounts?: string[];
  /** BuildKit only: build arguments the mounts name (ARG lines before the RUN). */
  args?: string[];
  /** Shell commands of the one RUN, before `afterInstall`. */
  commands: string[];
}

/** What the install step reads the packages from (bundle.ts decides, see `pylock`). */
export interface IInstallSource {
  /** The bundle file: requirements.txt, or pylock.toml when the template installs from it. */
  file: 'requirements.txt' | 'pylock.toml';
  /** A validated name==version to install besides it, or null (always null for a lock). */
  jupyterPin: string | null;
}

/** The image installs as NB_UID instead of root (USER before the install step). */
export interface IInstallUser {
  /** Lines (instructions, comments, blank lines) before the switch. */
  prelude: string[];
  /** The comment line above `USER 1000`. */
  why: string;
}

export interface ITemplate<Id extends string = string> {
  /** The name in the settings (schema/plugin.json's enum), in requests and in the README. */
  readonly id: Id;
  /** What the panel calls it (a literal trans.__ call, so it can be translated). */
  label(trans: ITranslate): string;

  /** The file the image installs the Python packages from. */
  readonly installFile: InstallFile;
  /**
   * Where the Jupyter that serves the notebook comes from when the requirements lack it:
   * a name==version pin on the install line, an entry in environment.yml, or the base
   * image itself.
   */
  readonly jupyter: 'install-line' | 'install-file' | 'base-image';
  /** Installs conda packages from their channels (so it needs no PyPI release of them). */
  readonly installsCondaPackages: boolean;
  /**
   * The text of installFile, when the template writes it (requirements.txt is always
   * written from the plan; a conda kernel's bundle has a plain environment.yml for Binder,
   * which this replaces).
   */
  renderInstallFile?(input: IInstallFileInput): string;

  /** The offline wheelhouse (pip wheels pinned by hash) can replace the index. */
  readonly supportsWheelhouse: boolean;
  /** Why not, when it cannot: the bundle's warning and the panel's hint. */
  readonly noWheelhouse?: {
    warning: string;
    hint(trans: ITranslate): string;
  };

  /** The user names the FROM image (the form asks for it). */
  readonly needsBaseImage: boolean;
  /** Its image may have a C compiler, so source distributions may build. */
  readonly mayHaveCompiler: boolean;
  /** The FROM image: a valid image reference. */
  baseImage(request: IBaseImageRequest): string;

  /** NB_UID's group in the image (its own group, or the image's convention). */
  readonly group: number;
  /** The comment above `USER 0`; null when the base image already runs as root. */
  readonly rootComment: string | null;
  /** Makes (or adapts) the user NB_UID; `apt` says whether apt-get runs before. */
  userSetup(apt: boolean): IUserSetup;
  /**
   * Set when the install step runs as NB_UID, who then owns /opt/bundle and gets the
   * copied files (COPY --chown); null when it runs as root.
   */
  readonly installUser: IInstallUser | null;
  /** The install step from the index (what it reads, and the Jupyter pin if any). */
  install(source: IInstallSource): IInstallStep;
  /**
   * The install step from the index under BuildKit (cache mounts for the downloads);
   * absent when BuildKit buys the template nothing, and the classic step serves both.
   */
  installBuildkit?(source: IInstallSource): IInstallStep;
  /**
   * What the template does with the bundle's pylock.toml (PEP 751): 'install' from it
   * (BuildKit and classic), carry it 'beside' requirements.txt, or null: no lock at all.
   */
  readonly pylock: 'install' | 'beside' | null;
  /** Commands after either install step, online or offline (e.g. fixing permissions). */
  readonly afterInstall: readonly string[];
  /** The image's environment variables (the user's, sorted), as the template needs them. */
  environment?(
    ui: 'lab' | 'notebook',
    env: [string, string][]
  ): [string, string][];
  /** The CMD before its --ip and --no-browser flags. */
  command(ui: 'lab' | 'notebook'): string[];

  /** The README's Contents lines about the package files (Markdown list items). */
  readonly readmeContents: readonly string[];
}
