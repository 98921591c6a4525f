// kube-magics: the live pod board (%kube watch). Rows come from Python as
// [key, NAME, READY, STATUS, RESTARTS, AGE, NODE, colour class]; tiles are kept by key and updated in place, so a
// batch that changes ten of a thousand pods touches ten tiles' text and colour and moves nothing else.

const KM_DENSE = 60; // more pods than this: small squares, names on hover

function kmRollouts(model) {
  const box = kmEl("div", { class: "km-rollouts" });
  const draw = () => {
    const pal = model.get("palette") || {};
    const deps = (kmData(model, "board_json") || {}).deployments || [];
    box.replaceChildren(...deps.map((d) => {
      const total = Math.max(d.desired, d.replicas, 1);
      const avail = Math.min(d.available, d.updated);
      const seg = (n, cat) => kmEl("div", { style: `width:${(100 * Math.max(0, n)) / total}%;background:${(pal[cat] || ["#ccc"])[0]}` });
      return kmEl("div", { class: "km-rollout", dataset: { key: d.key } }, [
        kmEl("div", {}, [kmEl("b", { text: `deployment/${d.name}` }), kmEl("span", { class: "km-muted", text: `  ${d.ready}/${d.desired}` })]),
        kmEl("div", { class: "km-bar", title: d.message }, [seg(avail, "running"), seg(d.updated - avail, "unready"), seg(d.replicas - d.updated, "terminating")]),
        kmEl("div", { class: "km-muted", "data-role": "rollout-message", text: d.message }),
      ]);
    }));
  };
  draw();
  model.on("change:board_json", draw);
  return box;
}

function kmPodTiles(model, onClick) {
  const grid = kmEl("div", { class: "km-grid" });
  const tiles = new Map();
  const draw = (rows, pal) => {
    grid.classList.toggle("km-dense", rows.length > KM_DENSE);
    const seen = new Set();
    rows.forEach(([key, name, ready, status, restarts, age, node, cat], i) => {
      seen.add(key);
      let tile = tiles.get(key);
      if (!tile) {
        tile = kmEl("div", { class: "km-tile", dataset: { key: `pod:${key}` }, onclick: () => onClick(`pod:${key}`) },
          [kmEl("span", { class: "km-name" }), kmEl("span", { class: "km-status" })]);
        tiles.set(key, tile);
      }
      const [fill, ink] = pal[cat] || ["#ccc", "#000"];
      tile.style.background = fill;
      tile.style.color = ink;
      tile.dataset.status = status;
      tile.title = `${name}  ${ready}  ${status}  restarts ${restarts}  ${age}  ${node}`;
      tile.firstChild.textContent = name;
      tile.lastChild.textContent = status;
      if (grid.children[i] !== tile) grid.insertBefore(tile, grid.children[i] || null);
    });
    for (const [key, tile] of tiles) if (!seen.has(key)) { tile.remove(); tiles.delete(key); }
  };
  return { grid, draw };
}

function kmPodTable(rows, pal, onClick) {
  const head = kmEl("tr", {}, ["NAME", "READY", "STATUS", "RESTARTS", "AGE", "NODE"].map((h) => kmEl("th", { text: h })));
  const body = rows.map(([key, name, ready, status, restarts, age, node, cat]) => kmEl("tr",
    { dataset: { key: `pod:${key}`, status }, onclick: () => onClick(`pod:${key}`) }, [
      kmEl("td", {}, [kmEl("span", { class: "km-swatch", style: `background:${(pal[cat] || ["#ccc"])[0]}` }), name]),
      ...[ready, status, restarts, age, node].map((v) => kmEl("td", { text: String(v) })),
    ]));
  return kmEl("table", { class: "km-table" }, [kmEl("thead", {}, [head]), kmEl("tbody", {}, body)]);
}

function kmFeed(model) {
  const box = kmEl("div", { class: "km-panel km-feed-panel" });
  const draw = () => {
    const L = model.get("labels") || {};
    const events = (kmData(model, "board_json") || {}).events || [];
    if (!events.length) { box.replaceChildren(kmEl("h4", { text: L.recent_events }), kmEl("div", { class: "km-muted", text: L.no_events })); return; }
    box.replaceChildren(kmEl("h4", { text: L.recent_events }), kmEl("ul", { class: "km-feed" }, events.map((e) =>
      kmEl("li", { class: e.type === "Warning" ? "km-warning" : "",
        text: `${e.age}  ${e.type}  ${e.reason}  ${e.object}  ${e.message}${e.count > 1 ? ` (x${e.count})` : ""}` }))));
  };
  draw();
  model.on("change:board_json", draw);
  model.on("change:labels", draw);
  return box;
}

function render({ model, el }) {
  el.classList.add("km-view", "km-pod-board");
  const summary = kmEl("span", { class: "km-summary" });
  const pods = kmEl("div", { class: "km-pods" });
  const onClick = (key) => kmSelect(model, key);
  const tiles = kmPodTiles(model, onClick);
  const toggle = kmEl("button", { class: "km-button", "data-role": "layout",
    onclick: () => { model.set("layout", model.get("layout") === "grid" ? "table" : "grid"); model.save_changes(); } });
  const draw = () => {
    const L = model.get("labels") || {};
    const board = kmData(model, "board_json") || {};
    const rows = board.pods || [];
    const pal = model.get("palette") || {};
    summary.textContent = model.get("summary_text") || "";
    toggle.textContent = model.get("layout") === "grid" ? L.table : L.grid;
    if (!rows.length) pods.replaceChildren(kmEl("div", { class: "km-muted", text: L.no_pods }));
    else if (model.get("layout") === "table") pods.replaceChildren(kmPodTable(rows, pal, onClick));
    else { tiles.draw(rows, pal); if (pods.firstChild !== tiles.grid) pods.replaceChildren(tiles.grid); }
    kmMarkSelected(pods, model.get("selected"));
  };
  el.replaceChildren(
    kmEl("div", { class: "km-head" }, [summary, kmEl("span", { class: "km-spacer" }), toggle, kmClock(model)]),
    kmRollouts(model),
    kmEl("div", { class: "km-body" }, [
      kmEl("div", { class: "km-canvas" }, [pods]),
      kmEl("div", { class: "km-side" }, [kmDetails(model), kmFeed(model), kmMessage(model)]),
    ]),
  );
  draw();
  for (const name of ["board_json", "layout", "labels", "selected", "summary_text"]) model.on(`change:${name}`, draw);
}

export default { render };
