// The YASGUI editor on this service's endpoint, one tab per competency question.
// No inline script: the questions come from the page's JSON data block (#dpv-queries), and a
// query can be opened from a link as /sparql#query=<url-encoded SPARQL> (the notice page does so).
(function () {
  "use strict";
  var holder = document.getElementById("yasgui");
  var block = document.getElementById("dpv-queries");
  if (!holder || !block || typeof window.Yasgui === "undefined") {
    return;
  }
  var questions = JSON.parse(block.textContent);
  var endpoint = new URL(holder.getAttribute("data-endpoint") || "/sparql", window.location.href).href;
  var requestConfig = { endpoint: endpoint, method: "POST" };

  // the class and property completers ask a vocabulary service on the internet (LOV): keep only
  // the local ones, before any editor exists (a per-instance setting does not reach new tabs)
  var Yasqe = window.Yasgui.Yasqe;
  Yasqe.defaults.autocompleters = ["prefixes", "variables"];
  delete Yasqe.Autocompleters["class"];
  delete Yasqe.Autocompleters["property"];

  var yasgui = new window.Yasgui(holder, {
    requestConfig: requestConfig,
    copyEndpointOnNewTab: true,
    persistenceId: null,          // the questions are the starting point on every visit
    populateFromUrl: false,
    autoAddOnInit: false,
    endpointCatalogueOptions: { getData: function () { return [{ endpoint: endpoint }]; } },
    yasqe: { autocompleters: ["prefixes", "variables"], persistenceId: null },
    yasr: { persistenceId: null }
  });

  var hash = window.location.hash;
  var opened = hash.indexOf("#query=") === 0 ? decodeURIComponent(hash.slice("#query=".length)) : null;
  questions.forEach(function (question, index) {
    yasgui.addTab(index === 0 && opened === null, {
      name: question.title,
      yasqe: { value: question.text },
      requestConfig: requestConfig
    });
  });
  if (opened !== null) {
    yasgui.addTab(true, { name: "query", yasqe: { value: opened }, requestConfig: requestConfig });
  }
  window.dpvYasgui = yasgui; // for the browser tests and the curious
})();
