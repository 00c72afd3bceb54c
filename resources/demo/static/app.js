// Proves in the browser that the static route works: the proxy served this file.
document.addEventListener("DOMContentLoaded", () => {
  const status = document.getElementById("script-status");
  if (status) {
    status.textContent = "Static script loaded from the proxy's static route.";
    status.classList.add("loaded");
  }
});
