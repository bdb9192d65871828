/**
 * The guest image boxes boot: what goes in ({@link io.voidbox.sandbox.vm.image.GuestImageConfig}),
 * where built images are kept and how concurrent builds share them ({@link
 * io.voidbox.sandbox.vm.image.GuestImageCache}), and one built image ({@link
 * io.voidbox.sandbox.vm.image.GuestImage}). The build steps (Debian packages, kernel modules, the
 * initramfs with its init scripts, the jlinked JRE and the guest agent jar) are package-private.
 */
package io.voidbox.sandbox.vm.image;
