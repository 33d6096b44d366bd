/** kind's own rule for cluster names (sigs.k8s.io/kind pkg/internal/apis/config/validate.go, validNameRE). */
import { describe, expect, it } from "vitest";

import { isKindClusterName } from "../../host/kind";

describe("isKindClusterName", () => {
  it("accepts what `kind create cluster --name` accepts", () => {
    for (const name of ["kind", "dev", "dev-2", "team.dev", "0"]) {
      expect(isKindClusterName(name), name).toBe(true);
    }
  });

  it("refuses upper case, underscores, spaces, shell characters and the empty name", () => {
    for (const name of ["Dev", "dev_2", "dev 2", "dev;rm -rf ~", "$(id)", ""]) {
      expect(isKindClusterName(name), name).toBe(false);
    }
  });
});
