import * as command from "@pulumi/command";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";

import type { BuildSettings, ImageSource } from "../config";
import { LOAD_COMMAND, LOAD_INTERPRETER, loadEnvironment } from "../host/imageLoad";
import { analyzeBuildContext, imageTag } from "../images/contextHash";
import { digestReference } from "../images/reference";

export interface ServiceImageArgs {
  /** Repository name of the image, e.g. `todo-backend`; a registry prefix is added for buildTarget registry. */
  readonly repository: string;
  /** Build context, Dockerfile and build args. */
  readonly source: ImageSource;
  /** Where the image is built and how the cluster gets it. */
  readonly build: BuildSettings;
  /** The docker provider pointing at the daemon that builds (minikube's, the local one). */
  readonly dockerProvider: docker.Provider;
}

/**
 * One service's image, tagged with a hash of everything that goes into it (context after .dockerignore,
 * Dockerfile, build args). The tag, and so the Deployment's image reference, changes exactly when the image
 * would: a source change rolls the pods, a rebuild of identical input changes nothing, and `latest` is never
 * used. For minikube on Docker the image is built straight into the cluster's daemon; for kind, and for
 * minikube on containerd or CRI-O, it is built by the local daemon and loaded into the nodes; for a registry
 * it is pushed.
 */
export class ServiceImage extends pulumi.ComponentResource {
  /**
   * The reference the pods run: `repository:c-<hash>` on a local target, `registry/repository@sha256:<digest>` for
   * a registry. It resolves once the image exists where the cluster looks.
   */
  public readonly imageRef: pulumi.Output<string>;
  /** The content tag alone, known at preview (the version label, whichever reference the pods run). */
  public readonly tag: string;

  constructor(name: string, args: ServiceImageArgs, opts?: pulumi.ComponentResourceOptions) {
    super("todo:image:ServiceImage", name, {}, opts);

    // One walk gives both the tag and what the image should not read (state, stack files, .env): said at
    // every preview, with the line to add to the ignore file Docker uses for this Dockerfile.
    // Normally analysed already while the configuration was validated (config/services.ts), so an unreadable
    // file failed naming its setting before anything was registered; analysed here only for a caller that did not.
    const analysis =
      args.source.analysis ??
      analyzeBuildContext({
        context: args.source.context,
        dockerfile: args.source.dockerfile,
        buildArgs: { ...args.source.buildArgs },
      });
    for (const warning of analysis.warnings) {
      void pulumi.log.warn(`${args.repository} image: ${warning}`, this);
    }
    this.tag = imageTag(analysis.hash);
    const registry = args.build.registry;
    const repository = registry ? `${registry.server}/${args.repository}` : args.repository;
    const reference = `${repository}:${this.tag}`;

    const image = new docker.Image(
      `${name}-image`,
      {
        imageName: reference,
        build: {
          context: args.source.context,
          dockerfile: args.source.dockerfile,
          args: { ...args.source.buildArgs },
        },
        // Local targets keep the image in the daemon the cluster reads from; only a registry is pushed to.
        skipPush: registry === undefined,
        registry: registry
          ? { server: registry.host, username: registry.username, password: registry.password }
          : undefined,
      },
      { parent: this, provider: args.dockerProvider },
    );

    let ready: pulumi.Resource = image;
    const load = args.build.load;
    if (load) {
      // The nodes read another image store than the daemon that built the image; the load copies it there.
      // The trigger is the content tag, so the load runs again exactly when a new image was built. Its
      // values travel in the environment of a fixed script (host/imageLoad.ts), never in a shell string.
      ready = new command.local.Command(
        `${name}-${load.into}-load`,
        {
          create: LOAD_COMMAND,
          interpreter: [...LOAD_INTERPRETER],
          environment: { ...loadEnvironment(load, args.build.docker), TODO_IMAGE: image.imageName },
          triggers: [this.tag],
        },
        { parent: this, dependsOn: [image] },
      );
    }

    // A local target runs the content-tagged name, not `repoDigest`: for an unpushed image that is a bare image
    // ID, which the kubelet cannot be relied on to resolve. A pushed image is run by its digest (unknown at
    // preview, since the image is not built then: buildOnPreview defaults to false, pulumi-docker
    // provider/provider.go marshalBuildOnPreview).
    this.imageRef = registry
      ? image.repoDigest.apply((digest) => digestReference(repository, digest))
      : pulumi.all([image.imageName, ready.urn]).apply(([imageName]) => imageName);

    this.registerOutputs({ imageRef: this.imageRef, tag: this.tag });
  }
}
