/**
 * The `.dockerconfigjson` of an image pull Secret: the same document `docker login` writes, which the
 * kubelet reads to pull from a private registry.
 */
export function dockerConfigJson(host: string, username: string, password: string): string {
  const auth = Buffer.from(`${username}:${password}`, "utf8").toString("base64");
  return JSON.stringify({ auths: { [host]: { username, password, auth } } });
}
