import { createContext, useContext, type ReactNode } from 'react';
import type { Stores } from './stores/createStores';

const StoresContext = createContext<Stores | null>(null);

/** Components get the stores from context rather than a module singleton, so one page can never share two apis. */
export function StoresProvider({ stores, children }: { stores: Stores; children: ReactNode }) {
  return <StoresContext.Provider value={stores}>{children}</StoresContext.Provider>;
}

export function useStores(): Stores {
  const stores = useContext(StoresContext);
  if (stores === null) throw new Error('useStores needs a <StoresProvider> above it');
  return stores;
}
