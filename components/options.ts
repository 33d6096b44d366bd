import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";

/**
 * The options of a Kubernetes object with an explicit `metadata.name`: delete before replace.
 *
 * When the cluster changes (a new cluster identity replaces the Kubernetes provider: index.ts), the engine
 * replaces every object of the old provider without asking that provider's Diff, and it creates the
 * replacement first unless the resource says otherwise (pulumi/pulumi pkg/resource/deploy/step_generator.go:
 * `deleteBeforeReplace := diff.DeleteBeforeReplace`, overridden by the goal's option). The old provider points
 * at the same context, so its delete of the original, by name, would remove the object just created in the new
 * cluster (pulumi-kubernetes#4522). Deleting first removes nothing there, then creates. For ordinary
 * replacements of a named object pulumi-kubernetes already deletes first (provider.go Diff, `metadata.IsNamed`),
 * so this changes nothing else. Auto-named objects (the Secrets, the ConfigMap) keep create-before-delete.
 */
export function namedObjectOptions(
  parent: pulumi.Resource,
  provider: k8s.Provider,
): pulumi.CustomResourceOptions {
  return { parent, provider, deleteBeforeReplace: true };
}
