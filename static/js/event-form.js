// Event form (officer): "more venues" reveals the next spare venue row (kept out of the page
// so the CSP needs no 'unsafe-inline' scripts).
const more = document.getElementById("more-venues");
if (more) {
  more.addEventListener("click", () => {
    const spare = document.querySelector(".venue-rows tr.spare");
    if (spare) spare.classList.remove("spare");
    if (!document.querySelector(".venue-rows tr.spare")) more.hidden = true;
  });
}
