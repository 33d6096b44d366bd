import { getInfo } from "@/lib/backend";

// Shows which backend version answers and whether its AI features are switched on. Purely informative, so a
// failure here only changes the footer text and never the rest of the page.
export async function BackendFooter() {
  let text: string;
  try {
    const info = await getInfo();
    text = `Backend ${info.version} · AI ${info.ai_enabled ? "enabled" : "disabled"}`;
  } catch {
    text = "Backend status unknown";
  }
  return (
    <footer className="footer" data-testid="backend-info">
      {text}
    </footer>
  );
}
