// billwatch workbench: small progressive enhancement, served by the app (no inline script).
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  const cards = Array.from(document.querySelectorAll(".queue .card"));
  if (!cards.length) return;
  let current = 0;
  const focus = (i) => {
    current = Math.max(0, Math.min(cards.length - 1, i));
    cards.forEach((c, n) => c.classList.toggle("current", n === current));
    cards[current].focus();
  };
  const submit = (decision) => {
    const form = cards[current].querySelector("form.decide");
    const button = form.querySelector(`button[value="${decision}"]`);
    if (decision === "relabel" && !form.new_tag.value) {
      form.new_tag.focus();
      return;
    }
    form.requestSubmit(button);
  };
  focus(0);
  document.addEventListener("keydown", (event) => {
    const typing = ["INPUT", "SELECT", "TEXTAREA"].includes(document.activeElement.tagName);
    if (typing && event.key !== "Escape") {
      if (event.key === "Enter" && document.activeElement.name === "new_tag") {
        event.preventDefault();
        submit("relabel");
      }
      return;
    }
    if (event.metaKey || event.ctrlKey || event.altKey) return;
    const actions = {
      j: () => focus(current + 1),
      k: () => focus(current - 1),
      c: () => submit("confirm"),
      r: () => submit("reject"),
      l: () => submit("relabel"),
      n: () => cards[current].querySelector("input[name=note]").focus(),
      Escape: () => focus(current),
    };
    if (actions[event.key]) {
      event.preventDefault();
      actions[event.key]();
    }
  });
});
