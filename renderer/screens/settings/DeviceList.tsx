import { useId } from 'react';
import { isConnected, type AudioDevice } from '../../stores/devicesStore';

interface DeviceListProps {
  readonly legend: string;
  /** The list's accessible name ("Microphones", "Speakers"). */
  readonly listLabel: string;
  readonly devices: readonly AudioDevice[];
  readonly selectedId: string | null;
  /** null chooses the system default. */
  readonly onSelect: (id: string | null) => void;
  /** Without permission the ids are placeholders, so choosing one would mean nothing. */
  readonly selectable: boolean;
  readonly emptyText: string;
}

export function DeviceList({
  legend,
  listLabel,
  devices,
  selectedId,
  onSelect,
  selectable,
  emptyText,
}: DeviceListProps) {
  const name = useId();
  const choices: readonly { id: string | null; label: string }[] =
    devices.length === 0 ? [] : [{ id: null, label: 'System default' }, ...devices];
  return (
    <fieldset className="device-group">
      <legend className="device-legend">{legend}</legend>
      <p className="muted small">
        {selectedId === null
          ? 'Using the system default.'
          : isConnected(selectedId, devices)
            ? 'whoot remembers this choice.'
            : 'Your chosen device is not connected: whoot uses the system default until it is back.'}
      </p>
      <ul className="device-list" aria-label={listLabel}>
        {devices.length === 0 && <li className="empty-state small">{emptyText}</li>}
        {choices.map((device) => {
          const inputId = `${name}-${device.id ?? 'system-default'}`;
          return (
            <li key={device.id ?? 'system-default'} className="device-item">
              <input
                type="radio"
                id={inputId}
                name={name}
                value={device.id ?? ''}
                checked={device.id === selectedId}
                disabled={!selectable}
                onChange={() => onSelect(device.id)}
              />
              <label htmlFor={inputId}>{device.label}</label>
            </li>
          );
        })}
      </ul>
    </fieldset>
  );
}
