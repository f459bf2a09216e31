import { useEffect } from 'react';
import { useStore } from 'zustand';
import { ScreenHeading } from '../../components/ScreenHeading';
import { useStores } from '../../storesContext';
import { VoiceProcessingSettings } from './VoiceProcessingSettings';
import { DeviceList } from './DeviceList';
import { MicrophoneCheck } from './MicrophoneCheck';
import { PushToTalkSettings } from './PushToTalkSettings';
import { AboutSection } from './AboutSection';
import { ManagedPolicySection } from './ManagedPolicySection';

function MicrophoneAccess() {
  const { devices } = useStores();
  const access = useStore(devices, (state) => state.access);
  const requesting = useStore(devices, (state) => state.requesting);
  const accessError = useStore(devices, (state) => state.accessError);

  return (
    <div className="permission">
      <p className="permission-text">
        {access === 'granted'
          ? 'Microphone access is allowed, so device names are shown.'
          : 'Device names stay hidden until whoot may use the microphone. whoot opens it only for a moment to ask, then closes it again.'}
      </p>
      {/* Stays available once granted: asking again is harmless and re-reads the names after a permission change. */}
      <button
        type="button"
        className={access === 'granted' ? 'button' : 'button button-primary'}
        disabled={requesting}
        onClick={() => void devices.getState().requestAccess()}
      >
        Allow microphone
      </button>
      <div role="alert" className="alert">
        {accessError}
      </div>
    </div>
  );
}

export function SettingsScreen() {
  const { devices } = useStores();
  const access = useStore(devices, (state) => state.access);
  const inputs = useStore(devices, (state) => state.inputs);
  const outputs = useStore(devices, (state) => state.outputs);
  const selectedInputId = useStore(devices, (state) => state.selectedInputId);
  const selectedOutputId = useStore(devices, (state) => state.selectedOutputId);
  const listError = useStore(devices, (state) => state.listError);

  useEffect(() => {
    void devices.getState().refresh();
  }, [devices]);

  return (
    <section className="screen" aria-labelledby="settings-heading">
      <header className="screen-header">
        <ScreenHeading id="settings-heading">Settings</ScreenHeading>
      </header>
      <div className="settings-body">
        <ManagedPolicySection />
        <section className="panel" aria-labelledby="audio-heading">
          <h2 id="audio-heading">Audio devices</h2>
          {access === 'unavailable' ? (
            <p role="alert" className="alert">
              Audio devices are not available in this window, so whoot cannot list or use a microphone.
            </p>
          ) : (
            <>
              <MicrophoneAccess />
              {listError && (
                <p role="status" className="alert">
                  {listError}
                </p>
              )}
              <div className="device-columns">
                <DeviceList
                  legend="Microphone"
                  listLabel="Microphones"
                  devices={inputs}
                  selectedId={selectedInputId}
                  selectable={access === 'granted'}
                  onSelect={(id) => devices.getState().selectInput(id)}
                  emptyText="No microphones found."
                />
                <DeviceList
                  legend="Speaker"
                  listLabel="Speakers"
                  devices={outputs}
                  selectedId={selectedOutputId}
                  selectable={access === 'granted'}
                  onSelect={(id) => devices.getState().selectOutput(id)}
                  emptyText="No speakers found."
                />
              </div>
            </>
          )}
        </section>
        {access !== 'unavailable' && <MicrophoneCheck />}
        <VoiceProcessingSettings />
        <PushToTalkSettings />
        <AboutSection />
      </div>
    </section>
  );
}
