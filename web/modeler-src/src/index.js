// Entry of the modeler bundle (web/static/modeler/modeler.bundle.js): exposes window.AlurModeler,
// a function creating a bpmn-js Modeler with the properties panel and Alur's own properties.
import Modeler from 'bpmn-js/lib/Modeler';
import NavigatedViewer from 'bpmn-js/lib/NavigatedViewer';
import { BpmnPropertiesPanelModule, BpmnPropertiesProviderModule } from 'bpmn-js-properties-panel';
import alurDescriptor from '../../static/modeler/alur-moddle.json';
import AlurPropertiesProvider from './provider';

const AlurPropertiesProviderModule = {
  __init__: [ 'alurPropertiesProvider' ],
  alurPropertiesProvider: [ 'type', AlurPropertiesProvider ]
};

/**
 * options: container (element), panel (element, for the properties panel; omit for read-only),
 * laneRoles ({lane name: [role labels]}), readOnly (boolean).
 */
function createModeler(options) {
  const moddleExtensions = { alur: alurDescriptor };
  if (options.readOnly) {
    return new NavigatedViewer({ container: options.container, moddleExtensions });
  }
  return new Modeler({
    container: options.container,
    propertiesPanel: { parent: options.panel },
    additionalModules: [ BpmnPropertiesPanelModule, BpmnPropertiesProviderModule, AlurPropertiesProviderModule ],
    moddleExtensions,
    alurLaneRoles: options.laneRoles || {}
  });
}

window.AlurModeler = { create: createModeler, descriptor: alurDescriptor };
