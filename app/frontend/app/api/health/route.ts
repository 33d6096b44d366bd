// Liveness for Kubernetes: it answers as long as the Next.js server serves, and deliberately never calls the
// backend, so a backend outage cannot get healthy frontend pods restarted.
export const dynamic = "force-dynamic";

export function GET(): Response {
  return Response.json({ status: "healthy" }, { headers: { "cache-control": "no-store" } });
}
