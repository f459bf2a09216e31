import { useId } from 'react';
import type { AudioDevice } from '../../stores/devicesStore';

interface DeviceListProps {
  readonly legend: string;
  /** The list's accessible name ("Microphones", "Speakers"). */
  readonly listLabel: string;
  readonly devices: readonly AudioDevice[];
  readonly selectedId: string | null;
  readonly onSelect: (id: string) => void;
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
  return (
    <fieldset className="device-group">
      <legend className="device-legend">{legend}</legend>
      <p className="muted small">
        {selectedId === null ? 'Using the system default.' : 'Chosen for this session; not saved yet.'}
      </p>
      <ul className="device-list" aria-label={listLabel}>
        {devices.length === 0 && <li className="empty-state small">{emptyText}</li>}
        {devices.map((device) => {
          const inputId = `${name}-${device.id}`;
          return (
            <li key={device.id} className="device-item">
              <input
                type="radio"
                id={inputId}
                name={name}
                value={device.id}
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
