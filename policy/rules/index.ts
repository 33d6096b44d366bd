// The Todo app's CrossGuard rules, one a file. This module only lists them; policy/index.ts hands `policies` to a
// PolicyPack. Keeping the PolicyPack out of here matters because its constructor starts the analyzer's gRPC server,
// which a unit test must never do.
import type { Policies } from "@pulumi/policy";

import { appImagesByDigest } from "./appImagesByDigest";
import { hpaOwnsReplicas } from "./hpaOwnsReplicas";
import { hpaReplicaBounds } from "./hpaReplicaBounds";
import { imagePullPolicyIfNotPresent } from "./imagePullPolicyIfNotPresent";
import { ingressTlsForIssuer } from "./ingressTlsForIssuer";
import { networkPolicyPresent } from "./networkPolicyPresent";
import { noLatestImage } from "./noLatestImage";
import { noLiteralSecretEnv } from "./noLiteralSecretEnv";
import { noNodePortWithIngress } from "./noNodePortWithIngress";
import { noServiceAccountToken } from "./noServiceAccountToken";
import { podDisruptionBudget } from "./podDisruptionBudget";
import { podSecurityRestricted } from "./podSecurityRestricted";
import { probesRequired } from "./probesRequired";
import { readOnlyRootFilesystem } from "./readOnlyRootFilesystem";
import { recommendedLabels } from "./recommendedLabels";
import { resourcesRequired } from "./resourcesRequired";
import { rollingUpdateZeroUnavailable } from "./rollingUpdateZeroUnavailable";
import { uidAbove10000 } from "./uidAbove10000";

export {
  appImagesByDigest,
  hpaOwnsReplicas,
  hpaReplicaBounds,
  imagePullPolicyIfNotPresent,
  ingressTlsForIssuer,
  networkPolicyPresent,
  noLatestImage,
  noLiteralSecretEnv,
  noNodePortWithIngress,
  noServiceAccountToken,
  podDisruptionBudget,
  podSecurityRestricted,
  probesRequired,
  readOnlyRootFilesystem,
  recommendedLabels,
  resourcesRequired,
  rollingUpdateZeroUnavailable,
  uidAbove10000,
};

/** Every rule of the pack, in the order the PolicyPack lists them: mandatory first, then advisory. */
export const policies: Policies = [
  podSecurityRestricted,
  uidAbove10000,
  readOnlyRootFilesystem,
  resourcesRequired,
  probesRequired,
  noLatestImage,
  noLiteralSecretEnv,
  noServiceAccountToken,
  rollingUpdateZeroUnavailable,
  recommendedLabels,
  appImagesByDigest,
  noNodePortWithIngress,
  ingressTlsForIssuer,
  hpaOwnsReplicas,
  hpaReplicaBounds,
  podDisruptionBudget,
  networkPolicyPresent,
  imagePullPolicyIfNotPresent,
];
