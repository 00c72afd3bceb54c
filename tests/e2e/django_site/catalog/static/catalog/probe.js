// Writes what the browser saw into the DOM, where `chromium --headless --dump-dom` shows it.
document.body.setAttribute("data-css-color", getComputedStyle(document.getElementById("css-probe")).color);
document.body.setAttribute("data-script", "loaded");
