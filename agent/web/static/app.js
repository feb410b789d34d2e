// Progressive touches only: every action is a plain form that works without this file.
document.addEventListener("DOMContentLoaded", () => {
  // One submit per click: a second click while the server saves would post the decision twice.
  document.querySelectorAll("form").forEach((form) => {
    form.addEventListener("submit", () => {
      form.querySelectorAll("button[type=submit]").forEach((b) => { b.disabled = true; });
    });
  });
  // Opening "Edit…" or "Reject…" puts the cursor where the typing goes.
  document.querySelectorAll("details.edit, details.reject").forEach((box) => {
    box.addEventListener("toggle", () => {
      const field = box.open && box.querySelector("textarea, input[type=text]");
      if (field) { field.focus(); }
    });
  });
  // Back on the card just decided (the server redirects to #card-ID).
  if (location.hash) { const card = document.querySelector(location.hash); if (card) { card.scrollIntoView({ block: "start" }); } }
});
