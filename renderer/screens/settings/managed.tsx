import { useStore } from 'zustand';
import type { ManagedPolicyKey } from '../../../shared/managedPolicy';
import { Icon } from '../../components/Icon';
import { isManaged } from '../../stores/policyStore';
import { useStores } from '../../storesContext';
import './managed.css';

/** Whether the organization's policy sets this key: its control is then shown read-only. */
export function useManaged(key: ManagedPolicyKey): boolean {
  const { policy } = useStores();
  return useStore(policy, (state) => isManaged(state.view, key));
}

/** The words beside a locked control; main refuses a change anyway, this says why the control does not move. */
export function ManagedNote({ id }: { id?: string }) {
  return (
    <span id={id} className="managed-note">
      <Icon name="lock" size={14} /> Managed by your organization
    </span>
  );
}
