// kube-magics views: what the three ES modules share (joined in front of each by Python; no build step).
// kmScene draws a scene laid out in Python (kube_magics/widgets/scene.py) exactly as svg.py writes it.

const KM_SVGNS = "http://www.w3.org/2000/svg";
const KM_FONT = "'Noto Sans CJK KR','Noto Sans KR','Apple SD Gothic Neo','Malgun Gothic','Segoe UI',Helvetica,Arial,sans-serif";
const KM_ATTRS = {
  rect: [["x", "x"], ["y", "y"], ["w", "width"], ["h", "height"], ["rx", "rx"], ["fill", "fill"],
         ["stroke", "stroke"], ["sw", "stroke-width"], ["dash", "stroke-dasharray"]],
  text: [["x", "x"], ["y", "y"], ["size", "font-size"], ["weight", "font-weight"], ["anchor", "text-anchor"],
         ["fill", "fill"]],
  line: [["x1", "x1"], ["y1", "y1"], ["x2", "x2"], ["y2", "y2"], ["stroke", "stroke"], ["sw", "stroke-width"],
         ["dash", "stroke-dasharray"]],
};

function kmEl(tag, props = {}, children = []) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (v === undefined || v === null) continue;
    if (k === "class") node.className = v;
    else if (k === "text") node.textContent = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else if (k === "dataset") Object.assign(node.dataset, v);
    else if (k in node && typeof v !== "string") node[k] = v;
    else node.setAttribute(k, v);
  }
  for (const c of children) if (c) node.append(c);
  return node;
}

// A snapshot sent as JSON bytes (a DataView in the browser), or as a plain object. Parsed once per value.
const KM_PARSED = new WeakMap();
function kmData(model, name) {
  const v = model.get(name);
  if (v && (v instanceof ArrayBuffer || ArrayBuffer.isView(v))) {
    if (!KM_PARSED.has(v)) KM_PARSED.set(v, v.byteLength ? JSON.parse(new TextDecoder().decode(v)) : null);
    return KM_PARSED.get(v);
  }
  return v || null;
}

function kmScene(container, scene, onClick) {
  const svg = document.createElementNS(KM_SVGNS, "svg");
  svg.setAttribute("width", scene.w);
  svg.setAttribute("height", scene.h);
  svg.setAttribute("viewBox", `0 0 ${scene.w} ${scene.h}`);
  svg.setAttribute("font-family", KM_FONT);
  for (const it of scene.items || []) {
    const node = document.createElementNS(KM_SVGNS, it.t);
    for (const [field, attr] of KM_ATTRS[it.t]) if (it[field] !== undefined) node.setAttribute(attr, it[field]);
    if (it.t === "rect" && it.stroke === undefined) node.setAttribute("stroke", "none");
    if (it.key) { node.setAttribute("data-key", it.key); node.classList.add("km-clickable"); }
    if (it.cls) node.classList.add(it.cls);
    if (it.title) {
      const title = document.createElementNS(KM_SVGNS, "title");
      title.textContent = it.title;
      node.append(title);
    }
    if (it.t === "text") node.append(document.createTextNode(it.text));
    svg.append(node);
  }
  if (onClick) {
    svg.addEventListener("click", (e) => {
      const hit = e.target.closest("[data-key]");
      if (hit) onClick(hit.getAttribute("data-key"));
    });
  }
  container.replaceChildren(svg);
  return svg;
}

function kmMarkSelected(root, key) {
  for (const n of root.querySelectorAll(".km-selected")) n.classList.remove("km-selected");
  if (!key) return;
  for (const n of root.querySelectorAll(`[data-key="${CSS.escape(key)}"]`)) {
    if (n.tagName !== "text") n.classList.add("km-selected");
  }
}

// The header's clock controls (simulated clusters only): play/pause, step, speed, and the virtual time.
function kmClock(model) {
  const box = kmEl("div", { class: "km-clock" });
  const draw = () => {
    const L = model.get("labels") || {};
    const c = model.get("clock") || {};
    if (!model.get("sim")) { box.replaceChildren(); return; }
    const send = (msg) => model.send({ action: "clock", ...msg });
    const play = kmEl("button", {
      class: "km-button" + (c.playing ? " km-on" : ""), text: c.playing ? `❚❚ ${L.pause}` : `▶ ${L.play}`,
      "data-role": "play", onclick: () => send({ op: c.playing ? "pause" : "play" }),
    });
    const step = kmEl("button", { class: "km-button", text: `▶| ${L.step} +${c.speed || 1}s`, "data-role": "step",
                                  onclick: () => send({ op: "step" }) });
    const speed = kmEl("select", { "data-role": "speed", onchange: (e) => send({ op: "speed", speed: +e.target.value }) },
      (c.speeds || [1]).map((s) => kmEl("option", { value: String(s), text: `${s}×`, selected: s === c.speed })));
    const time = kmEl("span", { class: "km-muted", "data-role": "time", text: `${L.clock}: ${c.time || ""}` });
    box.replaceChildren(play, step, kmEl("span", { class: "km-muted", text: L.speed }), speed, time);
  };
  draw();
  for (const name of ["clock", "sim", "labels"]) model.on(`change:${name}`, draw);
  return box;
}

function kmKV(pairs) {
  return kmEl("div", { class: "km-kv" }, pairs.flatMap(([k, v]) => [
    kmEl("span", { class: "km-k", text: k }), kmEl("span", { class: "km-v", text: String(v) })]));
}

function kmEventsTable(events, L) {
  if (!events || !events.length) return kmEl("div", { class: "km-muted", text: `${L.events}: ${L.no_events}` });
  const head = kmEl("tr", {}, ["Type", "Reason", "Age", "From", "Message"].map((h) => kmEl("th", { text: h })));
  const rows = events.map((e) => kmEl("tr", { class: e.type === "Warning" ? "km-warning" : "" },
    [e.type, e.reason, e.age, e.from, e.message].map((v) => kmEl("td", { text: v }))));
  return kmEl("table", { class: "km-events" }, [kmEl("thead", {}, [head]), kmEl("tbody", {}, rows)]);
}

// The details of the selected pod or node, with the buttons that act on it.
function kmDetails(model) {
  const box = kmEl("div", { class: "km-panel km-details" });
  const draw = () => {
    const L = model.get("labels") || {};
    const d = model.get("details") || {};
    if (!d.kind) { box.replaceChildren(kmEl("div", { class: "km-muted", text: L.select_hint })); return; }
    const parts = [kmEl("h4", { text: `${d.kind} ${d.kind === "Pod" ? d.namespace + "/" : ""}${d.name}` })];
    if (d.kind === "Pod") {
      parts.push(kmKV([["Status", d.status], ["Ready", d.ready], ["Restarts", d.restarts], ["Node", d.node],
        ["IP", d.ip], ["Age", d.age], ["Controlled By", d.controlled_by], ["Labels", d.labels],
        ...d.containers.map((c) => [`Container ${c.name}`, c.image])]));
      parts.push(kmEl("button", { class: "km-button km-danger", text: L.delete_pod, "data-role": "delete-pod",
        onclick: () => model.send({ action: "delete_pod", pod: `${d.namespace}/${d.name}` }) }));
    } else {
      parts.push(kmKV([["Status", d.status], ["Roles", d.roles], ["Pods", d.pods], ["InternalIP", d.ip],
        ["Kubelet", d.version], ["Runtime", d.runtime], ["Taints", d.taints.join(", ") || "<none>"], ["Age", d.age]]));
      if (model.get("sim")) {
        const down = !String(d.status).startsWith("Ready");
        parts.push(kmEl("button", { class: "km-button km-danger", text: L.fail_node, disabled: down,
          "data-role": "fail-node", onclick: () => model.send({ action: "fail_node", node: d.name }) }));
        parts.push(kmEl("button", { class: "km-button", text: L.recover_node, disabled: !down,
          "data-role": "recover-node", onclick: () => model.send({ action: "recover_node", node: d.name }) }));
      }
    }
    parts.push(kmEventsTable(d.events, L));
    box.replaceChildren(...parts);
  };
  draw();
  for (const name of ["details", "labels", "sim"]) model.on(`change:${name}`, draw);
  return box;
}

function kmMessage(model) {
  const box = kmEl("div", { class: "km-message" });
  const draw = () => {
    box.textContent = model.get("message") || "";
    box.classList.toggle("km-failed", !!model.get("failed"));
  };
  draw();
  model.on("change:message", draw);
  model.on("change:failed", draw);
  return box;
}

function kmSelect(model, key) {
  model.set("selected", model.get("selected") === key ? "" : key);
  model.save_changes();
}
