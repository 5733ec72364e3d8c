// The console's few browser-side helpers (self-hosted; the page makes no external request).
window.mm = {
  theme: () => document.documentElement.dataset.theme || "dark",
  setTheme: (theme) => {
    document.documentElement.dataset.theme = theme;
    document.cookie = "mm_theme=" + theme + "; path=/; max-age=31536000; samesite=lax";
  },
  timeZone: () => Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC",
  select: (id) => {
    const row = document.getElementById(id);
    if (row) row.scrollIntoView({ block: "nearest" });
  },
  highlight: (messageId) => {
    const bubble = document.querySelector(`[data-testid=bubble][data-message-id="${messageId}"]`);
    if (!bubble) return;
    bubble.scrollIntoView({ block: "center" });
    bubble.classList.add("highlight");
    setTimeout(() => bubble.classList.remove("highlight"), 2500);
  },
  // The composer's text, when the server changed it (the browser owns it otherwise: Composer.razor).
  setComposer: (textarea, text) => {
    if (textarea && textarea.value !== text) textarea.value = text;
  },
  // An input's value as the browser holds it now (the search box's submit reads it: ConversationList.razor).
  valueOf: (input) => (input ? input.value : null),
  scrollThread: () => {
    const thread = document.getElementById("thread-messages");
    if (thread) thread.scrollTop = thread.scrollHeight;
  },
};

document.addEventListener("keydown", (e) => {
  // Enter sends, Shift+Enter is a new line.
  if (e.target.matches && e.target.matches("textarea[data-composer]") && e.key === "Enter" && !e.shiftKey && !e.isComposing) {
    e.preventDefault();
    e.target.form.requestSubmit();
    return;
  }
  // Arrow keys move through the conversation list, not the page.
  if (e.target.matches && e.target.matches("[role=listbox]") && ["ArrowUp", "ArrowDown", "Home", "End"].includes(e.key)) {
    e.preventDefault();
  }
  // Arrow keys move a chatbot flow's node (FlowCanvas), not the canvas's scroll position.
  if (e.target.matches && e.target.matches("[data-flow-node]") && ["ArrowUp", "ArrowDown", "ArrowLeft", "ArrowRight"].includes(e.key)) {
    e.preventDefault();
  }
  // Alt+1 focuses the list, Alt+2 the composer.
  if (e.altKey && e.key === "1") { document.querySelector("[role=listbox]")?.focus(); e.preventDefault(); }
  if (e.altKey && e.key === "2") { document.querySelector("textarea[data-composer]")?.focus(); e.preventDefault(); }
});
