// Drives ruled's GraphQL endpoint with graphql-js, as GraphiQL, Apollo,
// graphql-codegen and Postman do. Run by TestGraphQLJS (graphqljs_test.go):
//
//	RULED_URL=http://127.0.0.1:PORT/graphql RULED_SDL=../../schema.graphql node client.test.mjs
//
// RULED_LIMITS is the JSON of the server's GraphQL limits.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import {
  buildClientSchema,
  buildSchema,
  getIntrospectionQuery,
  lexicographicSortSchema,
  parse,
  printSchema,
  validate,
} from "graphql";

const url = process.env.RULED_URL;
const sdl = readFileSync(process.env.RULED_SDL, "utf8");
const limits = JSON.parse(process.env.RULED_LIMITS);
const vip = "a791c66e-df31-4216-bf09-4f07500b5c0f";

async function post(body, headers = {}) {
  const res = await fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    assert.fail(`status ${res.status}: the answer is not JSON: ${text}`);
  }
  return { status: res.status, json };
}

// ok asserts a successful execution and returns its data.
function ok({ status, json }) {
  assert.equal(status, 200, JSON.stringify(json));
  assert.equal(json.errors, undefined, JSON.stringify(json.errors));
  return json.data;
}

// oneError asserts the spec's error shape and returns the error.
function oneError({ json }, code) {
  assert.ok(Array.isArray(json.errors) && json.errors.length >= 1, JSON.stringify(json));
  const e = json.errors[0];
  assert.equal(typeof e.message, "string");
  assert.ok(e.message.length > 0);
  assert.equal(e.extensions?.code, code, JSON.stringify(e));
  if (e.locations !== undefined) {
    for (const l of e.locations) {
      assert.ok(Number.isInteger(l.line) && l.line >= 1 && Number.isInteger(l.column) && l.column >= 1, JSON.stringify(l));
    }
  }
  return e;
}

let clientSchema;

test("the standard introspection query and buildClientSchema", async () => {
  for (const options of [{ descriptions: false }, {}]) {
    const data = ok(await post({ query: getIntrospectionQuery(options), operationName: "IntrospectionQuery" }));
    clientSchema = buildClientSchema(data);
  }
  // What the client sees is the schema ruled serves, type for type.
  assert.equal(
    printSchema(lexicographicSortSchema(clientSchema)),
    printSchema(lexicographicSortSchema(buildSchema(sdl))),
  );
  const q = parse(`query($c: CartInput!) { evaluateCart(cart: $c) { totals { grandTotal } } }`);
  assert.deepEqual(validate(clientSchema, q), []);
});

const cartQuery = `
query Price($cart: CartInput!, $explain: Boolean, $placements: [String!], $visitor: String, $view: Int) {
  evaluateCart(cart: $cart, explain: $explain, placements: $placements, visitorId: $visitor, view: $view) {
    ruleSetVersion
    appliedRules { id discount }
    items { sku qty rowTotal }
    totals { subtotal discount grandTotal }
    explain { rule status }
    blocks { placement blocks { id } }
  }
}`;

const cart = {
  now: "2026-10-01T12:00:00Z",
  website: "base",
  customer: { group: "vip" },
  items: [
    // Decimal as a string, a JSON integer and a JSON fraction; JSON
    // attributes with every kind of value.
    { sku: "A", qty: 2, price: "139.00", weight: 0.25, categories: ["shoes"], attributes: { size: 10.5, color: ["red"], new: true, brand: "Luma", stock: 12 } },
    { sku: "B", qty: "1.5", price: 19.99 },
  ],
  shipping: { method: "flatrate_flatrate", amount: 5, country: "us" },
  payment: { method: "checkmo" },
};

test("variables of every type: input objects, String, Int, Boolean, Decimal, JSON, lists, enums", async () => {
  const d = ok(await post({
    query: cartQuery,
    variables: { cart, explain: true, placements: ["cart.promo-strip"], visitor: "v-1", view: 1 },
  }, { "aep-segments-membership": vip }));
  const ev = d.evaluateCart;
  assert.deepEqual(ev.items.map((i) => [i.sku, i.qty, i.rowTotal]), [["A", "2", "278.00"], ["B", "1.5", "29.99"]]);
  assert.equal(ev.totals.subtotal, "307.99");
  assert.ok(ev.explain.length > 0, "explain: true explains");
  assert.deepEqual(ev.blocks.map((b) => b.placement), ["cart.promo-strip"]);

  const a = ok(await post({
    query: `query($s: String, $sort: AudienceSort, $order: SortOrder) { audiences(search: $s, sort: $sort, order: $order) { name } }`,
    variables: { s: "", sort: "UPDATED", order: "DESC" },
  }));
  assert.equal(a.audiences[0].name, "New Subscribers");
});

test("absent and null variables take the argument's default", async () => {
  for (const variables of [{ cart }, { cart, explain: null, placements: null, visitor: null, view: null }]) {
    const ev = ok(await post({ query: cartQuery, variables })).evaluateCart;
    assert.deepEqual(ev.explain, [], "explain defaults to false");
    assert.deepEqual(ev.blocks, []);
  }
  for (const variables of [{}, { sort: null, order: null }]) {
    const a = ok(await post({ query: `query($sort: AudienceSort, $order: SortOrder) { audiences(sort: $sort, order: $order) { name } }`, variables }));
    const names = a.audiences.map((x) => x.name);
    assert.deepEqual(names, [...names].sort(), "sort: NAME, order: ASC by default");
  }
  // A variable's own default applies when it is absent.
  const ev = ok(await post({ query: cartQuery.replace("$explain: Boolean", "$explain: Boolean = true"), variables: { cart } })).evaluateCart;
  assert.ok(ev.explain.length > 0);
});

test("errors follow the spec", async () => {
  // A syntax error: no data entry, a location.
  let r = await post({ query: "query { evaluateCart(" });
  assert.equal(r.status, 200);
  assert.equal("data" in r.json, false);
  let e = oneError(r, "GRAPHQL_PARSE_FAILED");
  assert.ok(e.locations.length === 1);

  // A validation error: no data entry, locations.
  r = await post({ query: "{ rules { idd } }" });
  assert.equal("data" in r.json, false);
  e = oneError(r, "GRAPHQL_VALIDATION_FAILED");
  assert.match(e.message, /idd/);
  assert.ok(e.locations.length >= 1);

  // A field error: data with null where the error propagated, a path.
  r = await post({ query: cartQuery, variables: { cart: { items: [{ sku: "A", qty: 0, price: 1 }] } } });
  assert.equal(r.status, 200);
  assert.equal(r.json.data, null);
  e = oneError(r, "INVALID_INPUT");
  assert.deepEqual(e.path, ["evaluateCart"]);
  assert.equal(e.extensions.field, "cart.items[0].qty");

  // A variable of the wrong type: a request error, no data entry.
  for (const variables of [{ cart, view: "one" }, { cart, explain: "yes" }]) {
    r = await post({ query: cartQuery, variables });
    assert.equal("data" in r.json, false, JSON.stringify(r.json));
    oneError(r, "INVALID_INPUT");
  }

  // Not a GraphQL request at all: a 4xx, errors only.
  r = await post("{not json");
  assert.equal(r.status, 400);
  assert.equal("data" in r.json, false);
  oneError(r, "INVALID_INPUT");
});

test("number literals: one contract with the REST API, and nothing out of range panics", async () => {
  let e;
  const cases = [
    ["qty: 1e3", "cart.items[0].qty", /got 1e3/],
    ["price: 1e400", "cart.items[0].price", /got 1e400/],
    ["price: 99999999999999999999", "cart.items[0].price", /write it as a string/],
    ["price: 1.00000000000000011", "cart.items[0].price", /15 significant digits/],
  ];
  for (const [arg, field, msg] of cases) {
    const other = arg.startsWith("qty") ? "price: 1" : "qty: 1";
    const r = await post({ query: `{ evaluateCart(cart: {items: [{sku: "A", ${other}, ${arg}}]}) { totals { grandTotal } } }` });
    assert.equal(r.status, 200);
    assert.equal("data" in r.json, false, arg);
    const e = oneError(r, "GRAPHQL_VALIDATION_FAILED");
    assert.equal(e.extensions.field, field, arg);
    assert.match(e.message, msg);
    assert.ok(e.locations?.length === 1, arg);
  }
  // An Int out of range is a validation error too.
  let r = await post({ query: `{ dynamicBlocks(placements: ["cart.promo-strip"], view: 99999999999) { placement } }` });
  oneError(r, "GRAPHQL_VALIDATION_FAILED");
  r = await post({ query: `query($v: Int) { dynamicBlocks(placements: ["cart.promo-strip"], view: $v) { placement } }`, variables: { v: 99999999999 } });
  assert.ok(r.json.errors?.length >= 1, JSON.stringify(r.json));
  // As on the REST API, an exponent in a variable is refused, naming the field.
  r = await post({ query: cartQuery, variables: { cart: { items: [{ sku: "A", qty: 1, price: 1e21 }] } } });
  e = oneError(r, "INVALID_INPUT");
  assert.equal(e.extensions.field, "cart.items[0].price");
  // Plain decimals, even long ones given as strings, are exact.
  const ev = ok(await post({ query: cartQuery, variables: { cart: { items: [{ sku: "A", qty: 3, price: "0.10" }, { sku: "B", qty: 1, price: 123456789012.34 }] } } })).evaluateCart;
  assert.equal(ev.totals.subtotal, "123456789012.64");
});

test("the cost of a request is bounded", async () => {
  let e;
  // Aliases past the evaluation limit stop the request.
  const n = limits.MaxEvaluations + 1;
  const aliases = Array.from({ length: n }, (_, i) => `a${i}: evaluateCart(cart: $cart) { totals { grandTotal } }`).join("\n");
  let r = await post({ query: `query($cart: CartInput!) { ${aliases} }`, variables: { cart } });
  assert.equal(r.status, 400);
  e = oneError(r, "TOO_MANY_EVALUATIONS");
  assert.equal(e.extensions.limit, limits.MaxEvaluations);
  // Up to the limit, they run.
  const within = Array.from({ length: limits.MaxEvaluations }, (_, i) => `a${i}: evaluateCart(cart: $cart) { totals { grandTotal } }`).join("\n");
  const d = ok(await post({ query: `query($cart: CartInput!) { ${within} }`, variables: { cart } }));
  assert.equal(Object.keys(d).length, limits.MaxEvaluations);

  // Nesting past the depth limit is refused before it runs.
  let deep = "name";
  for (let i = 0; i < limits.MaxDepth; i++) deep = `ofType { ${deep} }`;
  r = await post({ query: `{ __type(name: "Query") { fields { type { ${deep} } } } }` });
  e = oneError(r, "GRAPHQL_VALIDATION_FAILED");
  assert.match(e.message, /depth/);

  // Introspection within the depth limit, but resolving too many fields
  // through aliases, is stopped.
  const many = Array.from({ length: 200 }, (_, i) => `s${i}: __schema { types { name fields { name args { name } type { name kind } } } }`).join("\n");
  r = await post({ query: `{ ${many} }` });
  assert.equal(r.status, 400);
  e = oneError(r, "TOO_MANY_FIELDS");
  assert.equal(e.extensions.limit, limits.MaxFields);
});
