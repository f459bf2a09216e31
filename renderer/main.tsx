import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { copyText } from './components/CopyButton';
import { MissingBridge } from './MissingBridge';
import { createStores } from './stores/createStores';
import { StoresProvider } from './storesContext';
import { createBrowserAudio } from './voice/browserPorts';
import './styles.css';

const container = document.getElementById('root');
if (!container) throw new Error('index.html lost its #root element');
const root = createRoot(container);

// Opened outside the app (a plain browser tab), there is no preload and so nothing to talk to.
if (!('whoot' in window) || typeof window.whoot !== 'object' || window.whoot === null) {
  root.render(
    <StrictMode>
      <MissingBridge />
    </StrictMode>,
  );
} else {
  // Undefined outside a secure context; the devices store then reports audio as unavailable, and there is no voice.
  const mediaDevices = navigator.mediaDevices as MediaDevices | undefined;
  const { stores } = createStores(window.whoot, {
    page: window,
    mediaDevices,
    openSocket: (url, protocols) => new WebSocket(url, protocols),
    reloadPage: () => window.location.reload(),
    clipboard: { writeText: copyText },
    voice:
      mediaDevices === undefined || typeof RTCPeerConnection !== 'function'
        ? null
        : {
            createPeerConnection: (configuration) => new RTCPeerConnection(configuration),
            ...createBrowserAudio(mediaDevices),
            network: window,
          },
  });
  void stores.session.getState().load();
  root.render(
    <StrictMode>
      <StoresProvider stores={stores}>
        <App />
      </StoresProvider>
    </StrictMode>,
  );
}
