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
  var titles = {};
  questions.forEach(function (question) { titles[question.name] = question.title; });
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

  // #query=<SPARQL> opens a query of its own; #q=<name> brings that question's tab to the front
  var hash = window.location.hash;
  var opened = hash.indexOf("#query=") === 0 ? decodeURIComponent(hash.slice("#query=".length)) : null;
  var wanted = hash.indexOf("#q=") === 0 ? decodeURIComponent(hash.slice("#q=".length)) : null;
  var known = questions.some(function (question) { return question.name === wanted; });
  questions.forEach(function (question, index) {
    var active = opened === null && (known ? question.name === wanted : index === 0);
    yasgui.addTab(active, {
      name: question.title,
      yasqe: { value: question.text },
      requestConfig: requestConfig
    });
  });
  if (opened !== null) {
    yasgui.addTab(true, { name: "query", yasqe: { value: opened }, requestConfig: requestConfig });
  }
  // a Run link on this page: the question's tab, without reloading the page
  document.querySelectorAll("a[data-question]").forEach(function (link) {
    link.addEventListener("click", function (event) {
      var name = link.getAttribute("data-question");
      var tab = Object.keys(yasgui._tabs || {}).map(function (id) { return yasgui.getTab(id); })
        .filter(function (t) { return t && t.getName() === titles[name]; })[0];
      if (tab) {
        event.preventDefault();
        yasgui.selectTabId(tab.getId());
        holder.scrollIntoView();
      }
    });
  });
  window.dpvYasgui = yasgui; // for the browser tests and the curious
})();
