/** The STUN/TURN codec's public surface. */
export * from './constants';
export * from './attributes';
export * from './channelData';
export * from './integrity';
export * from './ipAddress';
export * from './message';
export * from './streamFramer';
