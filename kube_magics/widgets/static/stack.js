// kube-magics: virtual machines vs containers (%kube stack). Sliders set the parameters (synced traits); Python
// recomputes the totals and lays the picture out; the Docker button asks the kernel to measure a real start.

const KM_PARAMS = [
  ["apps", "apps", 1, 10, 1],
  ["app_memory_mb", "app_memory", 16, 4096, 16],
  ["guest_os_memory_mb", "guest_os_memory", 128, 8192, 128],
  ["guest_os_disk_mb", "guest_os_disk", 500, 40000, 500],
  ["app_disk_mb", "app_disk", 1, 2000, 1],
];

function kmSliders(model) {
  const box = kmEl("div", { class: "km-controls" });
  const draw = () => {
    const L = model.get("labels") || {};
    const layered = (model.get("layers") || []).length > 0;
    box.replaceChildren(...KM_PARAMS.flatMap(([name, label, min, max, step]) => {
      const value = kmEl("span", { text: String(model.get(name)) });
      const input = kmEl("input", { type: "range", min: String(min), max: String(max), step: String(step),
        value: String(model.get(name)), "data-param": name, disabled: name === "app_disk_mb" && layered,
        oninput: (e) => { value.textContent = e.target.value; },
        onchange: (e) => { model.set(name, +e.target.value); model.save_changes(); } });
      return [kmEl("label", { text: L[label] }), input, value];
    }));
  };
  draw();
  model.on("change:labels", draw);
  model.on("change:layers", draw);
  for (const [name] of KM_PARAMS) model.on(`change:${name}`, draw);
  return box;
}

function kmDocker(model) {
  const box = kmEl("div", { class: "km-head km-docker" });
  const draw = () => {
    const L = model.get("labels") || {};
    const d = model.get("docker") || {};
    const m = model.get("measured") || {};
    const button = kmEl("button", { class: "km-button", "data-role": "measure",
      text: d.busy ? L.measuring : L.measure, disabled: !d.available || d.busy,
      onclick: () => { model.set("docker", { ...d, busy: true }); model.save_changes(); model.send({ action: "measure" }); } });
    const parts = [button, kmEl("span", { class: "km-muted", "data-role": "docker-note", text: d.probed ? d.note : "" })];
    if (m.ms !== undefined) parts.push(kmEl("b", { "data-role": "measured", text: (L.measured || "").replace("{ms}", `${m.ms} ms`).replace("{what}", `docker run ${m.image} true`) }));
    box.replaceChildren(...parts);
  };
  draw();
  for (const name of ["docker", "measured", "labels"]) model.on(`change:${name}`, draw);
  if (!(model.get("docker") || {}).probed) model.send({ action: "probe" });
  return box;
}

function kmSources(model) {
  const box = kmEl("div");
  const draw = () => {
    const L = model.get("labels") || {};
    box.replaceChildren(kmEl("b", { class: "km-muted", text: L.sources }), kmEl("ol", { class: "km-sources" },
      (model.get("sources") || []).map((s) => kmEl("li", {}, [`[${s.ref}] `, kmEl("a", { href: s.url, target: "_blank", rel: "noopener", text: s.text })]))));
  };
  draw();
  model.on("change:labels", draw);
  return box;
}

function render({ model, el }) {
  el.classList.add("km-view", "km-stack");
  const canvas = kmEl("div", { class: "km-canvas" });
  const summary = kmEl("div", { class: "km-summary" });
  const draw = () => {
    kmScene(canvas, model.get("scene") || { w: 10, h: 10, items: [] });
    summary.textContent = model.get("summary_text") || "";
  };
  el.replaceChildren(summary, kmSliders(model), kmDocker(model), canvas, kmSources(model));
  draw();
  model.on("change:scene", draw);
  model.on("change:summary_text", draw);
}

export default { render };
