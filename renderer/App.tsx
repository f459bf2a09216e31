import { useStore } from 'zustand';
import { LiveAnnouncer } from './components/LiveAnnouncer';
import { Sidebar } from './components/Sidebar';
import { ToastRegion } from './components/ToastRegion';
import { AdminScreen } from './admin/AdminScreen';
import { DoctorScreen } from './screens/doctor/DoctorScreen';
import { SettingsScreen } from './screens/settings/SettingsScreen';
import { SignInScreen } from './screens/signIn/SignInScreen';
import { LoadingScreen, SessionUnavailableScreen } from './screens/status/StatusScreens';
import { WorkspaceScreen } from './screens/workspace/WorkspaceScreen';
import { visibleScreen } from './stores/navigationStore';
import { useStores } from './storesContext';

function CurrentScreen({ screen }: { screen: ReturnType<typeof visibleScreen> }) {
  const { session } = useStores();
  const phase = useStore(session, (state) => state.phase);
  if (screen === 'settings') return <SettingsScreen />;
  if (phase === 'loading') return <LoadingScreen />;
  if (phase === 'failed') return <SessionUnavailableScreen />;
  if (screen === 'admin') return <AdminScreen />;
  if (screen === 'doctor') return <DoctorScreen />;
  return screen === 'workspace' ? <WorkspaceScreen /> : <SignInScreen />;
}

export function App() {
  const { session, navigation } = useStores();
  const signedIn = useStore(session, (state) => state.session.signedIn);
  const requested = useStore(navigation, (state) => state.screen);
  const screen = visibleScreen(requested, signedIn);

  return (
    <div className="app">
      <Sidebar screen={screen} signedIn={signedIn} />
      <main className="content">
        <CurrentScreen screen={screen} />
      </main>
      <ToastRegion />
      <LiveAnnouncer />
    </div>
  );
}
