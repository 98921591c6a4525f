// kube-magics: the cluster topology view (%kube topology). Draws the scene Python lays out; clicks select a pod
// or a node; buttons send {action: ...} messages that the kernel carries out through the Backend protocol.

function kmScaleControls(model) {
  const box = kmEl("div", { class: "km-panel km-deployments" });
  const draw = () => {
    const L = model.get("labels") || {};
    const deps = model.get("deployments") || [];
    if (!deps.length) { box.replaceChildren(); box.hidden = true; return; }
    box.hidden = false;
    const send = (d, n) => model.send({ action: "scale", deployment: d.key, replicas: Math.max(0, n) });
    box.replaceChildren(kmEl("h4", { text: L.scale }), ...deps.map((d) => kmEl("div", { class: "km-scale", dataset: { key: d.key } }, [
      kmEl("span", { class: "km-name", text: `deployment/${d.name}`, title: d.key }),
      kmEl("button", { class: "km-button", text: "−", "data-role": "scale-down", onclick: () => send(d, d.desired - 1) }),
      kmEl("span", { text: `${d.ready}/${d.desired}` }),
      kmEl("button", { class: "km-button", text: "+", "data-role": "scale-up", onclick: () => send(d, d.desired + 1) }),
    ])));
  };
  draw();
  model.on("change:deployments", draw);
  model.on("change:labels", draw);
  return box;
}

function render({ model, el }) {
  el.classList.add("km-view", "km-topology");
  const summary = kmEl("span", { class: "km-summary" });
  const canvas = kmEl("div", { class: "km-canvas" });
  const onClick = (key) => { if (key.startsWith("pod:") || key.startsWith("node:")) kmSelect(model, key); };
  const drawSummary = () => { summary.textContent = model.get("summary_text") || ""; };
  const drawScene = () => {
    kmScene(canvas, kmData(model, "scene_json") || { w: 10, h: 10, items: [] }, onClick);
    kmMarkSelected(canvas, model.get("selected"));
  };
  el.replaceChildren(
    kmEl("div", { class: "km-head" }, [summary, kmEl("span", { class: "km-spacer" }), kmClock(model)]),
    kmEl("div", { class: "km-body" }, [
      canvas,
      kmEl("div", { class: "km-side" }, [kmDetails(model), kmScaleControls(model), kmMessage(model)]),
    ]),
  );
  drawSummary();
  drawScene();
  model.on("change:scene_json", drawScene);
  model.on("change:selected", () => kmMarkSelected(canvas, model.get("selected")));
  model.on("change:summary_text", drawSummary);
}

export default { render };
