// kit-lazy-plotly: a stand-in for plotly's JupyterLab extension in the browser-only edition (kit/lite.py).
// A module-federation container, as JupyterLab loads an extension: init() gets the page's shared modules,
// get("./mimeExtension") the renderer for plotly's mimetype. Each renderer is an empty Lumino panel; its
// first renderModel loads plotly's own container (once per page, from beside this file) and puts plotly's
// renderer inside. The build fills in the names written in capitals between double underscores.
(function () {
  "use strict";
  const NAME = "__NAME__", REAL = "__REAL__", MIME = "__MIME__";
  const realUrl = new URL("__REAL_ENTRY__", document.currentScript.src).href;
  let shareScope = null, lumino = null, realFactory = null;

  function loadRealFactory() {
    if (realFactory === null) {
      realFactory = new Promise((resolve, reject) => {
        const script = document.createElement("script");
        script.src = realUrl;
        script.async = true;
        script.onload = resolve;
        script.onerror = () => reject(new Error("could not load plotly's front end from " + realUrl));
        document.head.appendChild(script);
      }).then(async () => {
        const container = window._JUPYTERLAB[REAL];
        await container.init(shareScope);
        const module = (await container.get("./mimeExtension"))();
        const extensions = [].concat(module.default || module);
        return extensions.find((e) => e.rendererFactory.mimeTypes.includes(MIME)).rendererFactory;
      });
    }
    return realFactory;
  }

  function createRenderer(options) {
    const panel = new lumino.Panel();
    let inner = null;  // a promise, so that a second renderModel before plotly arrives makes no second plot
    panel.renderModel = async (model) => {
      if (inner === null) {
        inner = loadRealFactory().then((factory) => {
          const renderer = factory.createRenderer(options);
          panel.addWidget(renderer);
          return renderer;
        });
      }
      return (await inner).renderModel(model);
    };
    return panel;
  }

  function newest(versions) {  // of the shared @lumino/widgets, compared number by number ("2.10" > "2.9")
    const parts = (v) => v.split(/[.+-]/).map((n) => parseInt(n, 10) || 0);
    const later = (a, b) => {
      const x = parts(a), y = parts(b);
      for (let i = 0; i < 3; i++) if ((x[i] || 0) !== (y[i] || 0)) return (x[i] || 0) > (y[i] || 0);
      return false;
    };
    return Object.keys(versions).reduce((best, v) => (best === null || later(v, best) ? v : best), null);
  }

  window._JUPYTERLAB = window._JUPYTERLAB || {};
  window._JUPYTERLAB[NAME] = {
    async init(scope) {
      shareScope = scope;
      const versions = scope["@lumino/widgets"];
      lumino = (await versions[newest(versions)].get())();
    },
    async get(module) {
      if (module !== "./mimeExtension") throw new Error(NAME + " has no module " + module);
      const factory = {safe: true, mimeTypes: [MIME], createRenderer};
      return () => ({__esModule: true, default: [{id: NAME + ":factory", rendererFactory: factory, rank: 2,
                                                   dataType: "json"}]});
    },
  };
})();
