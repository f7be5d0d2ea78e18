// Buttons marked data-print open the print dialog (no inline onclick: the CSP forbids it).
for (const button of document.querySelectorAll("[data-print]")) {
  button.addEventListener("click", () => window.print());
}
