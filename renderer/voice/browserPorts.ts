import { MicrophoneError, type LevelMeter, type MicrophonePort, type SpeakerPort } from './ports';

/** The Chromium (and Electron renderer) implementations of the engine's audio ports. */

type AudioContextWithSink = AudioContext & { setSinkId?: (sinkId: string) => Promise<void> };

/** Chromium's sink options (since 110), not yet in TypeScript's DOM types. */
type SinkOptions = AudioContextOptions & { sinkId?: string | { type: 'none' } };

/**
 * An AudioContext created on first use (a click to join), resumed if the browser suspended it. The microphone's
 * meter gets one of its own at 'playback' latency (large buffers: fewer audio-thread wake-ups for a level read ten
 * times a second) that plays to no device (`silent`); the boost path above 100 % plays voice and gets 'interactive'.
 */
function lazyAudioContext(latencyHint: AudioContextLatencyCategory, silent = false) {
  let context: AudioContextWithSink | null = null;
  // A meter only listens. A context with a device opens an output stream in the browser's audio service, whose
  // thread then wakes on every buffer as if it played; the 'none' sink renders inside the page and opens nothing.
  // A browser without sink options ignores the member and plays the (unconnected, so silent) graph to the default.
  const options: SinkOptions = silent ? { latencyHint, sinkId: { type: 'none' } } : { latencyHint };
  return {
    get(): AudioContextWithSink {
      if (context === null || context.state === 'closed') context = new AudioContext(options);
      if (context.state === 'suspended') void context.resume().catch(() => undefined);
      return context;
    },
    /** The context if one runs, without making one: a context renders (and costs) from creation on. */
    existing: (): AudioContextWithSink | null => (context === null || context.state === 'closed' ? null : context),
  };
}

function microphoneError(cause: unknown): MicrophoneError {
  const name = typeof cause === 'object' && cause !== null && 'name' in cause ? String(cause.name) : '';
  if (name === 'NotAllowedError' || name === 'SecurityError') {
    return new MicrophoneError('denied', 'Microphone access was denied.');
  }
  if (name === 'NotFoundError' || name === 'OverconstrainedError') {
    return new MicrophoneError('not_found', 'No microphone was found.');
  }
  if (name === 'NotReadableError' || name === 'AbortError') {
    return new MicrophoneError('busy', 'The microphone is in use or unavailable.');
  }
  return new MicrophoneError('failed', 'The microphone could not be opened.');
}

const realDeviceIds = (devices: readonly MediaDeviceInfo[], kind: MediaDeviceKind) =>
  devices
    .filter((device) => device.kind === kind && device.deviceId !== '' && device.deviceId !== 'default')
    .map((device) => device.deviceId);

export function createBrowserAudio(mediaDevices: MediaDevices) {
  const meterContext = lazyAudioContext('playback', true);
  const audioContext = lazyAudioContext('interactive');

  const microphone: MicrophonePort = {
    async open(deviceId, processing) {
      try {
        const stream = await mediaDevices.getUserMedia({
          audio: {
            ...(deviceId === null ? {} : { deviceId: { exact: deviceId } }),
            echoCancellation: processing.echoCancellation,
            noiseSuppression: processing.noiseSuppression,
            autoGainControl: processing.autoGainControl,
            channelCount: 1,
          },
        });
        const track = stream.getAudioTracks()[0];
        if (track === undefined) throw new MicrophoneError('not_found', 'No microphone was found.');
        return track;
      } catch (cause) {
        throw cause instanceof MicrophoneError ? cause : microphoneError(cause);
      }
    },
    async inputIds() {
      try {
        return realDeviceIds(await mediaDevices.enumerateDevices(), 'audioinput');
      } catch {
        return null;
      }
    },
    onDeviceChange(listener) {
      mediaDevices.addEventListener('devicechange', listener);
      return () => mediaDevices.removeEventListener('devicechange', listener);
    },
    meter(track): LevelMeter {
      // A clone keeps reading real levels while the sent track is disabled by mute or the voice gate.
      const clone = track.clone();
      clone.enabled = true;
      const context = meterContext.get();
      const source = context.createMediaStreamSource(new MediaStream([clone]));
      const analyser = context.createAnalyser();
      analyser.fftSize = 1024;
      source.connect(analyser);
      const samples = new Float32Array(analyser.fftSize);
      // A running AudioContext keeps an audio thread rendering every 128 samples: what this meter cost a call was
      // most of what the app added to a bare call's CPU (bench:client). Suspended while the engine reads the sender's
      // level instead.
      let paused = false;
      return {
        level() {
          if (paused) {
            // What the analyser holds is from before the pause: silence until it has heard the track again.
            paused = false;
            void context.resume().catch(() => undefined);
            return 0;
          }
          analyser.getFloatTimeDomainData(samples);
          let peak = 0;
          for (const sample of samples) peak = Math.max(peak, Math.abs(sample));
          return Math.min(1, peak);
        },
        pause() {
          if (paused) return;
          paused = true;
          void context.suspend().catch(() => undefined);
        },
        stop() {
          source.disconnect();
          clone.stop();
        },
      };
    },
  };

  interface Output {
    readonly element: HTMLAudioElement;
    readonly stream: MediaStream;
    /** Only while the volume is above 100 %: the boost path through Web Audio. */
    boost: { readonly source: MediaStreamAudioSourceNode; readonly gain: GainNode } | null;
    volume: number;
  }
  const outputs = new Map<string, Output>();
  let deafened = false;
  let sinkId = '';

  type SinkElement = HTMLAudioElement & { setSinkId?: (id: string) => Promise<void> };

  /**
   * Up to 100 % a peer plays through its own audio element, so the browser's receive pipeline (and RTCStats
   * audioLevel) sees what is heard; above 100 % the element is muted and Web Audio plays the track with a gain,
   * which no element volume can do. Nothing else of a peer's audio goes through Web Audio: speaking indicators read
   * the level the receiver measured (voiceEngine.ts, receivedLevel), so a call at 100 % costs no audio-thread work
   * per member, and levels do not depend on the volume the listener chose or on deafen.
   */
  function route(output: Output): void {
    const audible = deafened ? 0 : output.volume;
    if (audible > 1) {
      output.element.muted = true;
      if (output.boost === null) {
        const context = audioContext.get();
        // Made now, so it has not heard of the output device yet.
        if (sinkId !== '' && typeof context.setSinkId === 'function')
          void context.setSinkId(sinkId).catch(() => undefined);
        const source = context.createMediaStreamSource(output.stream);
        const gain = context.createGain();
        source.connect(gain).connect(context.destination);
        output.boost = { source, gain };
      }
      output.boost.gain.gain.value = audible;
    } else {
      output.boost?.source.disconnect();
      output.boost?.gain.disconnect();
      output.boost = null;
      output.element.muted = false;
      output.element.volume = audible;
    }
  }

  const speakers: SpeakerPort = {
    attach(peerId, track) {
      speakers.detach(peerId);
      const stream = new MediaStream([track]);
      const element: SinkElement = new Audio();
      element.srcObject = stream;
      if (sinkId !== '' && typeof element.setSinkId === 'function')
        void element.setSinkId(sinkId).catch(() => undefined);
      void element.play().catch(() => undefined);
      const output: Output = { element, stream, boost: null, volume: 1 };
      outputs.set(peerId, output);
      route(output);
    },
    detach(peerId) {
      const output = outputs.get(peerId);
      if (output === undefined) return;
      outputs.delete(peerId);
      output.boost?.source.disconnect();
      output.boost?.gain.disconnect();
      output.element.pause();
      output.element.srcObject = null;
    },
    setVolume(peerId, volume) {
      const output = outputs.get(peerId);
      if (output === undefined) return;
      output.volume = volume;
      route(output);
    },
    setDeafened(value) {
      deafened = value;
      for (const output of outputs.values()) route(output);
    },
    async setOutputDevice(deviceId) {
      sinkId = deviceId ?? '';
      const context = audioContext.existing();
      const changes: Promise<void>[] = [];
      for (const output of outputs.values()) {
        const element = output.element as SinkElement;
        if (typeof element.setSinkId === 'function') changes.push(element.setSinkId(sinkId));
      }
      // Chromium 110+ routes a whole AudioContext (the boost path) to a device as well.
      if (typeof context?.setSinkId === 'function') changes.push(context.setSinkId(sinkId));
      await Promise.all(changes);
    },
    async outputIds() {
      try {
        return realDeviceIds(await mediaDevices.enumerateDevices(), 'audiooutput');
      } catch {
        return null;
      }
    },
    close() {
      for (const peerId of [...outputs.keys()]) speakers.detach(peerId);
    },
  };

  /**
   * Plays a microphone track on an output device (Settings' "Let's check"), through an element of its own so the
   * call's outputs are untouched. A clone, so stopping the playback leaves the meter's track running.
   */
  async function playBack(track: MediaStreamTrack, deviceId: string | null): Promise<() => void> {
    const clone = track.clone();
    const element: SinkElement = new Audio();
    element.srcObject = new MediaStream([clone]);
    const stop = () => {
      element.pause();
      element.srcObject = null;
      clone.stop();
    };
    try {
      if (deviceId !== null && typeof element.setSinkId === 'function') await element.setSinkId(deviceId);
      await element.play();
    } catch (cause) {
      stop();
      throw cause;
    }
    return stop;
  }

  return { microphone, speakers, playBack };
}
