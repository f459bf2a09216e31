import { useStore } from 'zustand';
import { LinkConfirmDialog } from './chat/LinkConfirmDialog';
import { Sidebar } from './components/Sidebar';
import { AdminScreen } from './admin/AdminScreen';
import { DoctorScreen } from './screens/doctor/DoctorScreen';
import { SettingsScreen } from './screens/settings/SettingsScreen';
import { ServerConfirmDialog } from './screens/signIn/ServerConfirmDialog';
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
      <LinkConfirmDialog />
      <ServerConfirmDialog />
    </div>
  );
}
