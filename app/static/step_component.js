// Tells the map frame which step the server wants (deep links, the step list). A few bytes.
export default function (component) {
  const { data } = component;
  if (!data || typeof data.step !== "number") return;
  const apply = () => {
    const api = window.storymap;
    if (!api || !api.ready) return false;
    if (api.step !== data.step) api.goTo(data.step, { source: "server", animate: data.animate !== false });
    return true;
  };
  if (!apply()) window.addEventListener("storymap:ready", apply, { once: true });
}
