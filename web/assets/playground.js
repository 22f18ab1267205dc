// The playground prices a cart through the public REST API
// (POST /v1/cart/evaluate?explain=true) exactly as a storefront calls it,
// and shows the same request as a curl command and as a GraphQL query.
// Everything from the server is written with textContent: rule files and
// carts never become markup.
"use strict";
(function () {
  var form = document.getElementById("playground");
  if (!form) return;
  var $ = function (id) { return document.getElementById(id); };
  var cartBox = $("cart");

  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (cls) e.className = cls;
    return e;
  }
  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }
  function checked(name) {
    return Array.prototype.map.call(form.querySelectorAll("input[name=" + name + "]:checked"), function (i) { return i.value; });
  }

  // Example carts.
  var example = $("example");
  if (example) {
    var carts = JSON.parse($("example-carts").textContent);
    example.addEventListener("change", function () {
      carts.forEach(function (c) {
        if (c.name === example.value) cartBox.value = JSON.stringify(c.cart, null, 2);
      });
    });
  }

  // The line builder adds an item to the cart JSON.
  $("add-line").addEventListener("click", function () {
    var cart;
    try { cart = JSON.parse(cartBox.value || "{}"); } catch (e) { showError("The cart is not valid JSON: " + e.message); return; }
    var sku = $("line-sku").value.trim();
    if (!sku) { $("line-sku").focus(); showError("A line needs a SKU."); return; }
    var line = { sku: sku, qty: $("line-qty").value.trim() || "1", price: $("line-price").value.trim() || "0" };
    var cats = $("line-cats").value.split(",").map(function (c) { return c.trim(); }).filter(Boolean);
    if (cats.length) line.categories = cats;
    cart.items = (cart.items || []).concat([line]);
    cartBox.value = JSON.stringify(cart, null, 2);
    $("line-sku").value = ""; $("line-price").value = ""; $("line-cats").value = "";
    hideError();
  });

  function membership() {
    var ids = checked("audience");
    var pasted = $("membership").value.trim();
    if (pasted) ids.push(pasted);
    return ids.join(",");
  }

  function request() {
    var cart = JSON.parse(cartBox.value);
    var body = Object.assign({}, cart);
    var placements = checked("placement");
    if (placements.length) {
      body.placements = placements;
      var v = $("visitor") && $("visitor").value.trim();
      if (v) body.visitor_id = v;
    }
    return { cart: cart, body: body, placements: placements, membership: membership() };
  }

  function showError(msg) {
    var r = $("result"), e = $("result-error");
    r.hidden = false; e.hidden = false; e.textContent = msg;
    $("result-body").hidden = true;
  }
  function hideError() { $("result-error").hidden = true; }

  function quote(s) { return "'" + s.replace(/'/g, "'\\''") + "'"; }
  var origin = window.location.origin;

  function curl(req) {
    var lines = ["curl -s " + quote(origin + form.dataset.endpoint) + " \\", "  -H 'Content-Type: application/json' \\"];
    if (req.membership) lines.push("  -H " + quote(form.dataset.header + ": " + req.membership) + " \\");
    lines.push("  --data-binary " + quote(JSON.stringify(req.body)));
    return lines.join("\n");
  }

  // camel turns the REST cart's snake_case keys into GraphQL's names.
  function camel(v) {
    if (Array.isArray(v)) return v.map(camel);
    if (v && typeof v === "object") {
      var o = {};
      Object.keys(v).forEach(function (k) {
        var val = v[k];
        if (k === "attributes") { o[k] = val; return; }
        o[k.replace(/_([a-z])/g, function (_, c) { return c.toUpperCase(); })] = camel(val);
      });
      return o;
    }
    return v;
  }

  function graphql(req) {
    var vars = { cart: camel(req.cart) };
    var args = "cart: $cart, explain: true";
    var decl = "$cart: CartInput!";
    if (req.placements.length) {
      vars.placements = req.placements; decl += ", $placements: [String!]"; args += ", placements: $placements";
      if (req.body.visitor_id) { vars.visitorId = req.body.visitor_id; decl += ", $visitorId: String"; args += ", visitorId: $visitorId"; }
    }
    var query = "query Playground(" + decl + ") {\n  evaluateCart(" + args + ") {\n" +
      "    appliedRules { id label discount }\n    totals { subtotal discount shipping shippingDiscount grandTotal }\n" +
      "    audiences\n    explain { rule applied status reason clauses { text seen } }\n" +
      (req.placements.length ? "    blocks { placement blocks { id name content } }\n" : "") + "  }\n}";
    var body = JSON.stringify({ query: query, variables: vars });
    var lines = ["curl -s " + quote(origin + "/graphql") + " \\", "  -H 'Content-Type: application/json' \\"];
    if (req.membership) lines.push("  -H " + quote(form.dataset.header + ": " + req.membership) + " \\");
    lines.push("  --data-binary " + quote(body));
    return query + "\n\n# variables\n" + JSON.stringify(vars, null, 2) + "\n\n# with curl\n" + lines.join("\n");
  }

  function render(res) {
    hideError();
    $("result-body").hidden = false;
    var t = $("totals").tBodies[0]; clear(t);
    [["Subtotal", res.totals.subtotal, "subtotal"], ["Discount", res.totals.discount, "discount"],
     ["Shipping", res.totals.shipping, "shipping"], ["Shipping discount", res.totals.shipping_discount, "shipping-discount"],
     ["Grand total", res.totals.grand_total, "grand-total"]].forEach(function (row) {
      var tr = el("tr"); tr.appendChild(el("th", row[0])).setAttribute("scope", "row");
      var td = el("td", row[1], "num"); td.id = "total-" + row[2]; tr.appendChild(td); t.appendChild(tr);
    });
    if (res.free_shipping) { var tr = el("tr"); tr.appendChild(el("th", "Free shipping")); tr.appendChild(el("td", "yes", "num")); t.appendChild(tr); }

    var a = $("applied").tBodies[0]; clear(a);
    if (!res.applied_rules.length) { var tr0 = el("tr"); var td0 = el("td", "No rule applied."); td0.colSpan = 3; tr0.appendChild(td0); a.appendChild(tr0); }
    res.applied_rules.forEach(function (r) {
      var tr = el("tr"), th = el("th"); th.scope = "row";
      var link = el("a", r.id); link.href = form.dataset.rules + "/" + encodeURIComponent(r.id);
      th.appendChild(link); tr.appendChild(th); tr.appendChild(el("td", r.label)); tr.appendChild(el("td", r.discount, "num")); a.appendChild(tr);
    });

    var l = $("lines").tBodies[0]; clear(l);
    res.items.forEach(function (it) {
      var tr = el("tr");
      tr.appendChild(el("td", it.sku)); tr.appendChild(el("td", it.qty, "num")); tr.appendChild(el("td", it.price, "num"));
      tr.appendChild(el("td", it.row_total, "num")); tr.appendChild(el("td", it.discount, "num"));
      tr.appendChild(el("td", (it.applied_rules || []).join(", ")));
      l.appendChild(tr);
    });
    var aud = res.audiences || [];
    $("audiences-in").textContent = aud.length ? "The shopper is in: " + aud.join(", ") + "." : "The shopper is in no audience of the registry.";
    if (res.coupon) $("audiences-in").textContent += " Coupon " + res.coupon.code + (res.coupon.applied ? " applied." : " not applied: " + res.coupon.reason);

    var ex = $("explain"); clear(ex);
    (res.explain || []).forEach(function (e) {
      var li = el("li", null, e.applied ? "applied" : "not-applied");
      li.dataset.rule = e.rule;
      var head = el("p");
      head.appendChild(el("strong", e.rule)); head.appendChild(document.createTextNode(" "));
      head.appendChild(el("span", e.status, "status " + (e.applied ? "enabled" : "off")));
      if (e.discount) head.appendChild(document.createTextNode(" −" + e.discount));
      li.appendChild(head);
      li.appendChild(el("p", e.reason, "reason"));
      if (e.clauses && e.clauses.length) {
        var ul = el("ul", null, "clauses");
        e.clauses.forEach(function (c) {
          var cl = el("li"); cl.appendChild(el("code", c.text));
          if (c.seen && c.seen.length) cl.appendChild(el("span", " saw " + c.seen.join(", "), "muted"));
          ul.appendChild(cl);
        });
        li.appendChild(ul);
      }
      ex.appendChild(li);
    });

    var bo = $("blocks-out"); clear(bo);
    if (res.blocks) {
      bo.appendChild(el("h3", "Blocks shown"));
      Object.keys(res.blocks).sort().forEach(function (pl) {
        var sec = el("section", null, "placement"); sec.dataset.placement = pl;
        sec.appendChild(el("h4", pl));
        var bs = res.blocks[pl];
        if (!bs.length) sec.appendChild(el("p", "No block matches.", "muted"));
        bs.forEach(function (b) {
          var d = el("div", null, "block-out");
          d.appendChild(el("strong", b.id + " — " + b.name));
          if (b.content) d.appendChild(el("pre", b.content, "code"));
          d.appendChild(el("p", (b.why || []).join("; "), "muted"));
          sec.appendChild(d);
        });
        bo.appendChild(sec);
      });
    }
  }

  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var req;
    try { req = request(); } catch (e) { showError("The cart is not valid JSON: " + e.message); return; }
    $("as-curl").value = curl(req);
    $("as-graphql").value = graphql(req);
    var headers = { "Content-Type": "application/json", Accept: "application/json" };
    if (req.membership) headers[form.dataset.header] = req.membership;
    var run = $("run"); run.disabled = true; run.setAttribute("aria-busy", "true");
    fetch(form.dataset.endpoint, { method: "POST", headers: headers, body: JSON.stringify(req.body) })
      .then(function (r) { return r.json().then(function (j) { return { ok: r.ok, status: r.status, json: j }; }); })
      .then(function (r) {
        $("result").hidden = false;
        if (!r.ok) {
          var e = r.json && r.json.error || {};
          showError(r.status + ": " + (e.field ? e.field + ": " : "") + (e.message || "the request failed"));
        } else {
          render(r.json);
        }
        $("result-h").focus();
      })
      .catch(function (e) { showError("The server could not be reached: " + e.message); })
      .then(function () { run.disabled = false; run.removeAttribute("aria-busy"); });
  });
})();
