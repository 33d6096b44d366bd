/**
 * The validated settings the program hands its components: plain typed values, and secrets only as Pulumi
 * secrets. Components import these types from config/, never read configuration themselves.
 */
import type * as pulumi from "@pulumi/pulumi";

import type { SecretEnv } from "../catalog";
import type { BuildTarget } from "../host/buildTarget";
import type { ImageLoad } from "../host/imageLoad";
import type { BuildContextAnalysis } from "../images/contextHash";
import type { DockerEndpoint } from "../host/minikube";
import type { Autoscaling } from "../k8s/autoscaling";
import type { IngressSettings } from "../k8s/ingress";
import type { Resources } from "../k8s/resources";
import type { LogLevel } from "./keys";

export type { LogLevel } from "./keys";
export type { Autoscaling } from "../k8s/autoscaling";
export type { IngressSettings } from "../k8s/ingress";

/** What one service's image is built from. */
export interface ImageSource {
  /** Absolute path of the Docker build context. */
  readonly context: string;
  /** Absolute path of the Dockerfile. */
  readonly dockerfile: string;
  /** Build arguments: the base image and the service's build args setting (plain values, never a secret). */
  readonly buildArgs: Readonly<Record<string, string>>;
  /**
   * The content hash and warnings of exactly this context, Dockerfile and build args, computed while the
   * configuration was validated (so an unreadable file fails naming the setting); set by loadSettings.
   */
  readonly analysis?: BuildContextAnalysis;
}

/** What one service is built from and what its pods receive. */
export interface ServiceSettings {
  readonly image: ImageSource;
  readonly resources: Resources;
  /** Extra plain env (placeholders resolved). */
  readonly env: Readonly<Record<string, string>>;
  /** The secrets its pods receive, each through a secretKeyRef. */
  readonly secrets: readonly SecretEnv[];
  /** A HorizontalPodAutoscaler's bounds; the Deployment then sets no replicas. Undefined: a fixed `replicas`. */
  readonly autoscaling?: Autoscaling;
}

/** The registry images are pushed to and pulled from (buildTarget registry). */
export interface RegistrySettings {
  /** Registry host and path prefix, e.g. `ghcr.io/acme`. */
  readonly server: string;
  /** Registry host alone, e.g. `ghcr.io`. */
  readonly host: string;
  readonly username: string;
  readonly password: pulumi.Output<string>;
}

export interface BuildSettings {
  readonly target: BuildTarget;
  /** Why the target was chosen (shown in outputs and errors). */
  readonly reason: string;
  /** The daemon to build with; undefined means the docker provider's default (DOCKER_HOST or the local socket). */
  readonly docker?: DockerEndpoint;
  /**
   * Where a built image is loaded before the kubelet can run it: kind's nodes, or a minikube profile whose
   * runtime is not Docker. Unset when the image is built where the kubelet reads (minikube's Docker daemon,
   * Docker Desktop) or pushed to a registry.
   */
  readonly load?: ImageLoad;
  readonly registry?: RegistrySettings;
}

export type DatabaseSettings =
  | {
      readonly mode: "external";
      /** The port of databaseUrl (5432 when it names none): the only one its clients may reach outside. */
      readonly port: number;
    }
  | {
      readonly mode: "in-cluster";
      /** Official PostgreSQL image, pinned by tag or digest. */
      readonly image: string;
      readonly storageSize: string;
      /** Empty for the cluster's default StorageClass. */
      readonly storageClass: string;
      readonly resources: Resources;
      /** The user's opt-in to a change that gives the database a new, empty volume. */
      readonly allowReplacement: boolean;
    };

/** Pulumi secrets from the start; they never exist here as plain strings. */
export interface SecretSettings {
  /** Set for an external database; undefined when PostgreSQL runs in the cluster. */
  readonly databaseUrl?: pulumi.Output<string>;
  readonly cohereApiKey?: pulumi.Output<string>;
  readonly betterAuthSecret?: pulumi.Output<string>;
}

/** Where the stack deploys and how many pods it runs, as configured. */
export interface ClusterSettings {
  readonly kubeContext: string;
  /** The `kubeconfig` setting, when the stack names a file. */
  readonly kubeconfig?: string;
  readonly namespace: string;
  readonly replicas: number;
  /** Seconds an update waits for a Deployment's rollout (the provider's `pulumi.com/timeoutSeconds`). */
  readonly rolloutTimeout: number;
  readonly logLevel: LogLevel;
  /** 0 means Kubernetes picks the port. */
  readonly frontendNodePort: number;
}

export interface Settings extends ClusterSettings {
  readonly stack: string;
  /** Allowed but worth a word at every preview (config/warnings.ts); never a secret's value. */
  readonly warnings: readonly string[];
  /** The minikube profile (used for buildTarget minikube and the URL command). */
  readonly minikubeProfile: string;
  /** Host at which a NodePort can be opened (minikube's IP, or localhost). */
  readonly nodeHost: string;
  readonly frontendUrl: string;
  /** Whether frontendUrl was configured (a public URL the user knows) rather than derived. */
  readonly frontendUrlConfigured: boolean;
  readonly build: BuildSettings;
  readonly backend: ServiceSettings & {
    readonly readinessPath: string;
    /** Set when the backend is exposed outside the cluster on a NodePort (exposeBackend, no Ingress). */
    readonly expose?: { readonly nodePort: number };
  };
  /** The app's Ingress (ingressHost); undefined on a stack reached through NodePorts. */
  readonly ingress?: IngressSettings;
  readonly frontend: ServiceSettings;
  /** The backend's public URL, when it is exposed or configured. */
  readonly backendPublicUrl?: string;
  /** An external database (databaseUrl set), or PostgreSQL in the cluster. */
  readonly database: DatabaseSettings;
  readonly secrets: SecretSettings;
}
