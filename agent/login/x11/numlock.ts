// NumLock on or off (X_NUMLOCK) through the X protocol itself: the modifier Num_Lock sets is
// looked up in the server's keyboard and modifier maps, and XKB's LatchLockState locks or
// unlocks it, as numlockx does. Done here rather than with numlockx (not in a Debian or Gentoo
// thin-client image by default) or `xdotool key Num_Lock` (a synthetic key press that toggles,
// so it needs a state check first and races a user typing): one request, no extra package.

import { X11Connection, X11Error, type ConnectOptions } from './connection.ts';
import { Keymap } from './keyboard.ts';
import * as X from './protocol.ts';

export type NumLockResult = 'changed' | 'unchanged';

export async function setNumLock(on: boolean, opts: ConnectOptions = {}): Promise<NumLockResult> {
  const x = await X11Connection.open(opts);
  try {
    const ext = X.decodeQueryExtension(await x.request(X.queryExtension('XKEYBOARD')));
    if (!ext.present) throw new X11Error('the X server has no XKEYBOARD extension');
    if (!X.decodeXkbUseExtension(await x.request(X.xkbUseExtension(ext.majorOpcode)))) throw new X11Error('the X server refuses XKB 1.0');
    const { minKeycode, maxKeycode } = x.info;
    const [kb, mods] = await Promise.all([x.request(X.getKeyboardMapping(minKeycode, maxKeycode - minKeycode + 1)), x.request(X.getModifierMapping())]);
    const { perKeycode, keysyms } = X.decodeKeyboardMapping(kb);
    const mask = new Keymap(minKeycode, perKeycode, keysyms, X.decodeModifierMapping(mods)).numLockMask;
    if (mask === 0) throw new X11Error('no modifier is bound to Num_Lock in the keyboard map');
    const state = X.decodeQueryPointerMask(await x.request(X.queryPointer(x.screen.root)));
    if (((state & mask) !== 0) === on) return 'unchanged';
    x.send(X.xkbLockModifiers(ext.majorOpcode, mask, on ? mask : 0));
    await x.request(X.getInputFocus()); // the server has handled it
    return 'changed';
  } finally {
    x.close();
  }
}
