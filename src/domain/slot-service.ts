import type { DeliveryChannel, Schedule, Slot } from './model.js';

/** What a slot offers: Slot.extension deliveryChannel and Slot.serviceType[0].text. */
export interface SlotService {
  deliveryChannel: DeliveryChannel;
  serviceType: string;
}

/**
 * The delivery channel and slot type of one slot: its schedule pattern's, unless the slot starts
 * in one of the pattern's variants (local time, `from` inclusive, `to` exclusive).
 */
export function slotService(schedule: Schedule, slot: Pick<Slot, 'start'>): SlotService {
  const { pattern } = schedule;
  const variant = pattern.variants?.length
    ? variantAt(pattern.variants, slot.start.slice(11, 16))
    : undefined;
  return {
    deliveryChannel: variant?.deliveryChannel ?? pattern.deliveryChannel,
    serviceType: variant?.serviceType ?? pattern.serviceType,
  };
}

/** The index of the variant a slot starting at local "HH:MM" falls in, or -1 for the pattern's own. */
export function variantIndex(schedule: Schedule, slot: Pick<Slot, 'start'>): number {
  const time = slot.start.slice(11, 16);
  return schedule.pattern.variants?.findIndex((v) => time >= v.from && time < v.to) ?? -1;
}

function variantAt<T extends { from: string; to: string }>(
  variants: readonly T[],
  time: string,
): T | undefined {
  return variants.find((v) => time >= v.from && time < v.to);
}
