// Alur's properties provider: the groups "Mutu Baku" (user and manual tasks), "Identitas SOP"
// (process / participant), "Peran" (lanes, read-only from the server) and "Keputusan" (the Ya /
// Tidak branch of a flow leaving an exclusive gateway). Values live in Alur's extension
// elements (alur:mutuBaku, alur:sop), described by web/static/modeler/alur-moddle.json.
import { jsx } from '@bpmn-io/properties-panel/preact/jsx-runtime';
import {
  Group, SelectEntry, TextAreaEntry, TextFieldEntry,
  isSelectEntryEdited, isTextAreaEntryEdited, isTextFieldEntryEdited
} from '@bpmn-io/properties-panel';
import { useService } from 'bpmn-js-properties-panel';
import { getBusinessObject, is } from 'bpmn-js/lib/util/ModelUtil';

const ISO_DURATION = /^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$/;

export const BASES = [
  { value: 'none', label: 'Tidak ada (tanpa batas waktu)' },
  { value: 'minutes', label: 'Menit' },
  { value: 'hours', label: 'Jam' },
  { value: 'working_days', label: 'Hari kerja' }
];

const MUTU_FIELDS = [
  { key: 'langkah', label: 'Langkah (nomor)' },
  { key: 'kelengkapan', label: 'Kelengkapan', area: true, description: 'Satu butir per baris atau dipisah titik koma.' },
  { key: 'waktu', label: 'Waktu', description: 'Seperti tertulis di SOP, mis. "2 (dua) hari kerja".' },
  { key: 'durasi', label: 'Durasi (ISO 8601)', description: 'Mis. PT30M, PT2H, P3D. Kosong bila tanpa batas.',
    validate: (value) => (value && !ISO_DURATION.test(value)) ? 'Bukan durasi ISO 8601 (mis. PT30M, PT2H, P3D).' : null },
  { key: 'basis', label: 'Basis', select: BASES },
  { key: 'output', label: 'Output' },
  { key: 'keterangan', label: 'Keterangan', area: true },
  { key: 'publish', label: 'Publikasi', optional: true,
    description: 'Yang diterbitkan bila langkah ini selesai: website, pengumuman, pusat_data. Kosong bila tidak ada.' }
];

const SOP_ATTRS = [
  { key: 'nomor', label: 'Nomor SOP' },
  { key: 'unit', label: 'Unit' },
  { key: 'seksi', label: 'Seksi / bidang' },
  { key: 'tanggalPembuatan', label: 'Tanggal pembuatan' },
  { key: 'tanggalRevisi', label: 'Tanggal revisi' },
  { key: 'tanggalEfektif', label: 'Tanggal efektif' },
  { key: 'disahkanOleh', label: 'Disahkan oleh', area: true }
];
const SOP_LISTS = [
  { key: 'dasarHukum', type: 'alur:DasarHukum', label: 'Dasar hukum (satu per baris)' },
  { key: 'kualifikasi', type: 'alur:Kualifikasi', label: 'Kualifikasi pelaksana (satu per baris)' },
  { key: 'keterkaitan', type: 'alur:Keterkaitan', label: 'Keterkaitan (satu per baris)' },
  { key: 'peralatan', type: 'alur:Peralatan', label: 'Peralatan / perlengkapan (satu per baris)' }
];
const SOP_TEXTS = [
  { key: 'peringatan', type: 'alur:Peringatan', label: 'Peringatan' },
  { key: 'pencatatan', type: 'alur:Pencatatan', label: 'Pencatatan dan pendataan' }
];

// -- extension elements -----------------------------------------------------------------------
export function findExtension(bo, type) {
  const values = (bo && bo.extensionElements && bo.extensionElements.values) || [];
  return values.find((value) => is(value, type));
}

/** The extension element of `type` on `bo`, created (with the extensionElements) if missing. */
function ensureExtension(element, bo, type, bpmnFactory, modeling) {
  let extensionElements = bo.extensionElements;
  if (!extensionElements) {
    extensionElements = bpmnFactory.create('bpmn:ExtensionElements', { values: [] });
    extensionElements.$parent = bo;
    modeling.updateModdleProperties(element, bo, { extensionElements });
  }
  let extension = findExtension(bo, type);
  if (!extension) {
    extension = bpmnFactory.create(type, {});
    extension.$parent = extensionElements;
    modeling.updateModdleProperties(element, extensionElements, {
      values: [ ...(extensionElements.values || []), extension ]
    });
  }
  return extension;
}

function processOf(element) {
  const bo = getBusinessObject(element);
  if (is(bo, 'bpmn:Participant')) {
    return bo.processRef;
  }
  return is(bo, 'bpmn:Process') ? bo : null;
}

// -- entries ------------------------------------------------------------------------------------
function MutuBakuEntry(props) {
  const { element, id, field } = props;
  const modeling = useService('modeling');
  const bpmnFactory = useService('bpmnFactory');
  const debounce = useService('debounceInput');
  const bo = getBusinessObject(element);
  const getValue = () => {
    const mutu = findExtension(bo, 'alur:MutuBaku');
    return (mutu && mutu.get(field.key)) || (field.select ? 'none' : '');
  };
  const setValue = (value) => {
    const mutu = ensureExtension(element, bo, 'alur:MutuBaku', bpmnFactory, modeling);
    modeling.updateModdleProperties(element, mutu, { [field.key]: value || (field.optional ? undefined : '') });
  };
  if (field.select) {
    return jsx(SelectEntry, { element, id, label: field.label, getValue, setValue, getOptions: () => field.select });
  }
  const Entry = field.area ? TextAreaEntry : TextFieldEntry;
  return jsx(Entry, {
    element, id, label: field.label, description: field.description, getValue, setValue, debounce,
    validate: field.validate
  });
}

function SopAttrEntry(props) {
  const { element, id, field } = props;
  const modeling = useService('modeling');
  const bpmnFactory = useService('bpmnFactory');
  const debounce = useService('debounceInput');
  const process = processOf(element);
  const getValue = () => {
    const sop = findExtension(process, 'alur:Sop');
    return (sop && sop.get(field.key)) || '';
  };
  const setValue = (value) => {
    const sop = ensureExtension(element, process, 'alur:Sop', bpmnFactory, modeling);
    modeling.updateModdleProperties(element, sop, { [field.key]: value || '' });
  };
  const Entry = field.area ? TextAreaEntry : TextFieldEntry;
  return jsx(Entry, { element, id, label: field.label, getValue, setValue, debounce });
}

function SopListEntry(props) {
  const { element, id, field, many } = props;
  const modeling = useService('modeling');
  const bpmnFactory = useService('bpmnFactory');
  const debounce = useService('debounceInput');
  const process = processOf(element);
  const getValue = () => {
    const sop = findExtension(process, 'alur:Sop');
    if (!sop) {
      return '';
    }
    const value = sop.get(field.key);
    if (many) {
      return (value || []).map((item) => item.value || '').join('\n');
    }
    return (value && value.value) || '';
  };
  const setValue = (text) => {
    const sop = ensureExtension(element, process, 'alur:Sop', bpmnFactory, modeling);
    const make = (line) => {
      const item = bpmnFactory.create(field.type, { value: line });
      item.$parent = sop;
      return item;
    };
    if (many) {
      const lines = (text || '').split('\n').map((line) => line.trim()).filter(Boolean);
      modeling.updateModdleProperties(element, sop, { [field.key]: lines.map(make) });
    } else {
      modeling.updateModdleProperties(element, sop, { [field.key]: make((text || '').trim()) });
    }
  };
  return jsx(TextAreaEntry, { element, id, label: field.label, getValue, setValue, debounce, rows: 3 });
}

function LaneRolesEntry(props) {
  const { element, id } = props;
  const config = useService('config');
  const debounce = useService('debounceInput');
  const laneRoles = (config && config.alurLaneRoles) || {};
  const name = (getBusinessObject(element).name || '').trim();
  const roles = laneRoles[name] || [];
  const text = roles.length
    ? roles.join('\n')
    : 'Belum ada peran yang melayani lajur ini. Tambahkan peran dengan nama lajur "' + name + '" (alur user add --lane).';
  return jsx(TextAreaEntry, {
    element, id, label: 'Peran yang melayani lajur ini', getValue: () => text, setValue: () => {}, debounce,
    disabled: true, rows: 3
  });
}

const BRANCHES = [
  { value: '', label: '(bukan cabang keputusan)' },
  { value: 'ya', label: 'Ya' },
  { value: 'tidak', label: 'Tidak' }
];

function BranchEntry(props) {
  const { element, id } = props;
  const modeling = useService('modeling');
  const bpmnFactory = useService('bpmnFactory');
  const bo = getBusinessObject(element);
  const getValue = () => {
    const name = (bo.name || '').trim().toLowerCase();
    return name === 'ya' || name === 'tidak' ? name : '';
  };
  const setValue = (value) => {
    if (!value) {
      modeling.updateProperties(element, { name: undefined, conditionExpression: undefined });
      return;
    }
    const condition = bpmnFactory.create('bpmn:FormalExpression', { body: 'keputusan == "' + value + '"' });
    modeling.updateProperties(element, { name: value === 'ya' ? 'Ya' : 'Tidak', conditionExpression: condition });
  };
  return jsx(SelectEntry, { element, id, label: 'Cabang', getValue, setValue, getOptions: () => BRANCHES });
}

// -- provider -------------------------------------------------------------------------------------
export default function AlurPropertiesProvider(propertiesPanel) {
  propertiesPanel.registerProvider(500, this);
}
AlurPropertiesProvider.$inject = [ 'propertiesPanel' ];

AlurPropertiesProvider.prototype.getGroups = function(element) {
  return function(groups) {
    if (is(element, 'bpmn:UserTask') || is(element, 'bpmn:ManualTask')) {
      groups.push({
        id: 'alur-mutu-baku', label: 'Mutu Baku', component: Group,
        entries: MUTU_FIELDS.map((field) => ({
          id: 'alur-mutu-' + field.key, element, field, component: MutuBakuEntry,
          isEdited: field.select ? isSelectEntryEdited : (field.area ? isTextAreaEntryEdited : isTextFieldEntryEdited)
        }))
      });
    }
    if ((is(element, 'bpmn:Participant') && getBusinessObject(element).processRef) || is(element, 'bpmn:Process')) {
      const entries = SOP_ATTRS.map((field) => ({
        id: 'alur-sop-' + field.key, element, field, component: SopAttrEntry,
        isEdited: field.area ? isTextAreaEntryEdited : isTextFieldEntryEdited
      }));
      SOP_LISTS.forEach((field) => entries.push({
        id: 'alur-sop-' + field.key, element, field, many: true, component: SopListEntry, isEdited: isTextAreaEntryEdited
      }));
      SOP_TEXTS.forEach((field) => entries.push({
        id: 'alur-sop-' + field.key, element, field, many: false, component: SopListEntry, isEdited: isTextAreaEntryEdited
      }));
      groups.push({ id: 'alur-identitas', label: 'Identitas SOP', component: Group, entries });
    }
    if (is(element, 'bpmn:Lane')) {
      groups.push({
        id: 'alur-peran', label: 'Peran', component: Group,
        entries: [ { id: 'alur-peran-list', element, component: LaneRolesEntry } ]
      });
    }
    if (is(element, 'bpmn:SequenceFlow') && is(getBusinessObject(element).sourceRef, 'bpmn:ExclusiveGateway')) {
      groups.push({
        id: 'alur-keputusan', label: 'Keputusan', component: Group,
        entries: [ { id: 'alur-cabang', element, component: BranchEntry, isEdited: isSelectEntryEdited } ]
      });
    }
    return groups;
  };
};
