// The explorer posts the query, as any GraphQL client does, to the
// endpoint it was served from, and shows the answer as is.
"use strict";

const $ = (id) => document.getElementById(id);

async function run() {
  const status = $("status");
  status.className = "";
  let variables = {};
  const text = $("variables").value.trim();
  if (text !== "") {
    try {
      variables = JSON.parse(text);
    } catch (e) {
      status.className = "error";
      status.textContent = "the variables are not JSON: " + e.message;
      return;
    }
  }
  const headers = { "Content-Type": "application/json", Accept: "application/json" };
  const membership = $("membership").value.trim();
  if (membership !== "") {
    headers["aep-segments-membership"] = membership;
  }
  status.textContent = "running…";
  const started = performance.now();
  try {
    const res = await fetch(location.pathname, {
      method: "POST",
      headers,
      body: JSON.stringify({ query: $("query").value, variables }),
    });
    const body = await res.text();
    let shown = body;
    try {
      shown = JSON.stringify(JSON.parse(body), null, 2);
    } catch {
      // not JSON: shown as it came
    }
    $("result").textContent = shown;
    status.className = res.ok ? "" : "error";
    status.textContent = `${res.status} ${res.statusText} in ${Math.round(performance.now() - started)} ms`;
  } catch (e) {
    status.className = "error";
    status.textContent = "the request failed: " + e.message;
  }
}

async function loadSchema() {
  try {
    const res = await fetch(location.pathname.replace(/\/$/, "") + "/schema.graphql");
    $("schema").textContent = await res.text();
  } catch (e) {
    $("schema").textContent = "the schema could not be loaded: " + e.message;
  }
}

// A link may carry the query and its variables (?query=…&variables=…),
// as GraphiQL's do; the URL follows the editor after each run, so that the
// address bar is a link to what was run.
function fromLink() {
  const params = new URLSearchParams(location.search);
  if (params.has("query")) {
    $("query").defaultValue = params.get("query");
  }
  if (params.has("variables")) {
    $("variables").defaultValue = params.get("variables");
  }
}

function toLink() {
  const params = new URLSearchParams();
  params.set("query", $("query").value);
  if ($("variables").value.trim() !== "") {
    params.set("variables", $("variables").value);
  }
  history.replaceState(null, "", location.pathname + "?" + params.toString());
}

$("run").addEventListener("click", () => {
  toLink();
  run();
});
document.addEventListener("keydown", (e) => {
  if ((e.ctrlKey || e.metaKey) && e.key === "Enter") {
    e.preventDefault();
    toLink();
    run();
  }
});
fromLink();
loadSchema();
