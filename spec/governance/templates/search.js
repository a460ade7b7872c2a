// Filters the sidebar and the reference by what is typed into the search box. Progressive: without
// this script the box stays hidden and every section is shown. Nothing is fetched.
(() => {
  "use strict";
  const input = document.getElementById("search");
  const status = document.getElementById("search-status");
  const toc = document.getElementById("toc");
  const folds = Array.from(document.querySelectorAll("#toc .toc-more"));
  const groups = Array.from(document.querySelectorAll("#toc .toc-group"));
  const sections = { operation: "operations", schema: "schemas", requirement: "requirements" };
  const nouns = { operation: ["operation", "operations"], schema: ["schema", "schemas"], requirement: ["requirement", "requirements"] };
  // An item is a sidebar link and the part of the page it leads to. An operation or schema is found by
  // what its link shows (method, path, summary, name), its anchor and its class; a requirement by its text.
  const items = Array.from(document.querySelectorAll("#toc a[data-kind]")).map((link) => {
    const target = document.getElementById(link.getAttribute("href").slice(1));
    const group = link.closest(".toc-group");
    const words = [link.textContent, target.id, group.dataset.search];
    if (link.dataset.kind === "requirement") words.push(target.textContent);
    return { row: link.parentElement, target, kind: link.dataset.kind, text: words.join(" ").toLowerCase() };
  });
  let folded = null; // the sidebar's folds as the reader left them before searching

  function apply() {
    const terms = input.value.toLowerCase().split(/\s+/).filter(Boolean);
    const searching = terms.length > 0;
    if (searching && folded === null) folded = folds.map((fold) => fold.open);
    const found = { operation: 0, schema: 0, requirement: 0 };
    for (const item of items) {
      const match = terms.every((term) => item.text.includes(term));
      item.row.hidden = !match;
      item.target.hidden = !match;
      if (match) found[item.kind] += 1;
    }
    for (const group of groups) group.hidden = !group.querySelector("li:not([hidden])");
    for (const section of document.querySelectorAll(".class-section, .req-class")) {
      section.hidden = searching && !section.querySelector("article:not([hidden]), tr[id]:not([hidden])");
    }
    for (const [kind, id] of Object.entries(sections)) {
      const none = searching && found[kind] === 0;
      document.getElementById(id).hidden = none;
      document.getElementById(`toc-${id}`).hidden = none;
    }
    document.body.classList.toggle("searching", searching);
    if (searching) {
      toc.open = true;
      folds.forEach((fold) => { fold.open = fold.querySelector("li:not([hidden])") !== null; });
      const parts = Object.keys(found).filter((kind) => found[kind] > 0)
        .map((kind) => `${found[kind]} ${nouns[kind][found[kind] === 1 ? 0 : 1]}`);
      status.textContent = parts.length ? parts.join(", ") : "Nothing matches.";
    } else {
      if (folded !== null) folds.forEach((fold, i) => { fold.open = folded[i]; });
      folded = null;
      status.textContent = "";
    }
  }

  input.addEventListener("input", apply);
  input.addEventListener("keydown", (event) => {
    if (event.key === "Escape") { input.value = ""; apply(); }
  });
  document.addEventListener("keydown", (event) => {
    const typing = event.target instanceof HTMLInputElement || event.target instanceof HTMLTextAreaElement;
    if (event.key === "/" && !typing && !event.ctrlKey && !event.metaKey && !event.altKey) {
      event.preventDefault();
      toc.open = true;
      input.focus();
    }
  });
  document.getElementById("search-box").hidden = false;
  if (window.matchMedia("(max-width: 959px)").matches) toc.open = false;
  if (input.value) apply(); // a value the browser restored on going back
})();
