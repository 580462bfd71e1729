// A live region that exists once: only its text changes, so screen readers announce each new
// message once (a region rebuilt on every update is announced again, or not at all).
function render({ model, el }) {
  const region = document.createElement("div");
  region.setAttribute("role", model.get("role"));
  region.setAttribute("aria-live", model.get("role") === "alert" ? "assertive" : "polite");
  region.className = model.get("css_class");
  el.append(region);
  const show = () => {
    const paragraphs = model.get("value").split("\n\n").filter((p) => p);
    region.replaceChildren(...paragraphs.map((p) => {
      const node = document.createElement("p");
      node.textContent = p;
      return node;
    }));
  };
  model.on("change:value", show);
  show();
  return () => model.off("change:value", show);
}

export default { render };
