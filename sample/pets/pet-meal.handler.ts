import { Injectable, Logger } from '@nestjs/common';
import { ExpiredKeyEvent, OnKeyExpired } from '../../lib';
import { PetMealPayload, PetsService } from './pets.service';

/** Ends a pet's meal when `pet-meal:<id>` is due. */
@Injectable()
export class PetMealEnd {
  private readonly logger = new Logger(PetMealEnd.name);

  constructor(private readonly pets: PetsService) {}

  @OnKeyExpired('pet-meal:*')
  async onMealEnd(event: ExpiredKeyEvent<PetMealPayload>): Promise<void> {
    if (!event.payload) return; // only meals scheduled by PetsService end a meal
    const pet = await this.pets.finishMeal(event.payload.petId);
    if (!pet) return;
    this.logger.log(
      `Pet ${pet.id} finished meal #${pet.mealsFinished}` +
        (pet.eating ? ', auto-feed card used: eating again' : ''),
    );
  }
}
