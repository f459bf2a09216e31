import { useStore } from 'zustand';
import { LinkConfirmDialog } from './chat/LinkConfirmDialog';
import { AdminScreen } from './admin/AdminScreen';
import { LiveAnnouncer } from './components/LiveAnnouncer';
import { ToastRegion } from './components/ToastRegion';
import { DoctorScreen } from './screens/doctor/DoctorScreen';
import { SettingsScreen } from './screens/settings/SettingsScreen';
import { ServerConfirmDialog } from './screens/signIn/ServerConfirmDialog';
import { SignedOutScreen } from './screens/signIn/SignInScreen';
import { AccountScreen } from './account/AccountScreen';
import { WelcomeDialog } from './account/WelcomeDialog';
import { CreateWorkspaceDialog, JoinWorkspaceDialog } from './shell/WorkspaceDialogs';
import { LoadingScreen, SessionUnavailableScreen } from './screens/status/StatusScreens';
import { WorkspaceScreen } from './screens/workspace/WorkspaceScreen';
import { AppShell, SignedOutShell } from './shell/AppShell';
import { RemovedScreen } from './shell/RemovedScreen';
import { visibleScreen, type Screen } from './stores/navigationStore';
import { useStores } from './storesContext';

function CurrentScreen({ screen }: { screen: Screen }) {
  const { session, workspace } = useStores();
  const phase = useStore(session, (state) => state.phase);
  const removed = useStore(workspace, (state) => state.removedFrom !== null);
  if (screen === 'settings') return <SettingsScreen />;
  if (phase === 'loading') return <LoadingScreen />;
  if (phase === 'failed') return <SessionUnavailableScreen />;
  if (screen === 'admin') return <AdminScreen />;
  if (screen === 'doctor') return <DoctorScreen />;
  if (screen === 'account') return <AccountScreen />;
  if (screen === 'workspace' && removed) return <RemovedScreen />;
  return screen === 'workspace' ? <WorkspaceScreen /> : <SignedOutScreen />;
}

export function App() {
  const { session, navigation } = useStores();
  const signedIn = useStore(session, (state) => state.session.signedIn);
  const requested = useStore(navigation, (state) => state.screen);
  const screen = visibleScreen(requested, signedIn);
  const Shell = signedIn ? AppShell : SignedOutShell;

  return (
    <>
      <Shell screen={screen}>
        <CurrentScreen screen={screen} />
      </Shell>
      <LinkConfirmDialog />
      <ServerConfirmDialog />
      {signedIn && (
        <>
          <JoinWorkspaceDialog />
          <CreateWorkspaceDialog />
          <WelcomeDialog />
        </>
      )}
      <ToastRegion />
      <LiveAnnouncer />
    </>
  );
}
