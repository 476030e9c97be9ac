import { ConflictException, Inject, Injectable, Logger, NotFoundException } from '@nestjs/common';
import { DelayTaskService } from '../../lib';
import { SAMPLE_CONFIG, SampleConfig } from '../config';

/** What a meal's end task carries. */
export interface PetMealPayload {
  petId: string;
}

export interface Pet {
  id: string;
  eating: boolean;
  /** When the current meal ends (epoch ms), `null` while not eating. */
  mealEndsAt: number | null;
  mealsFinished: number;
  /** Meals started by an auto-feed card rather than by a request. */
  autoFedMeals: number;
  accelerationCardsUsed: number;
  cards: {
    /** Auto-feed cards held: each one starts one more meal when a meal ends. */
    autoFeed: number;
  };
}

export const petMealKey = (petId: string): string => `pet-meal:${petId}`;

/** Pets eat meals that take `MEAL_MS`; cards shorten a meal or refill the bowl. */
@Injectable()
export class PetsService {
  private readonly logger = new Logger(PetsService.name);
  private readonly pets = new Map<string, Pet>();

  constructor(
    private readonly tasks: DelayTaskService,
    @Inject(SAMPLE_CONFIG) private readonly config: SampleConfig,
  ) {}

  get(id: string): Pet {
    const pet = this.pets.get(id);
    if (!pet) throw new NotFoundException(`No pet ${id}`);
    return pet;
  }

  /** Starts a meal; a pet is created on its first meal (or card). */
  async startMeal(id: string): Promise<Pet> {
    const pet = this.getOrCreate(id);
    if (pet.eating) throw new ConflictException(`Pet ${id} is already eating`);
    await this.scheduleMeal(pet);
    return pet;
  }

  /** Takes `ACCELERATION_MS` off the pending meal. */
  async useAccelerationCard(id: string): Promise<Pet> {
    const pet = this.get(id);
    if (!pet.eating) throw new ConflictException(`Pet ${id} is not eating`);
    // `shift` moves the task's due time; a due time pushed into the past fires now.
    const mealEndsAt = await this.tasks.shift(petMealKey(id), -this.config.accelerationMs);
    if (mealEndsAt === null) {
      // Not pending any more: the meal-end handler is running right now.
      throw new ConflictException(`Pet ${id} is finishing its meal`);
    }
    pet.mealEndsAt = mealEndsAt;
    pet.accelerationCardsUsed += 1;
    return pet;
  }

  grantAutoFeedCard(id: string): Pet {
    const pet = this.getOrCreate(id);
    pet.cards.autoFeed += 1;
    return pet;
  }

  /**
   * Called by the meal-end handler: the meal is over, and an auto-feed card,
   * if the pet holds one, starts the next meal from inside the handler.
   */
  async finishMeal(id: string): Promise<Pet | undefined> {
    const pet = this.pets.get(id);
    if (!pet || !pet.eating) return undefined;
    pet.eating = false;
    pet.mealEndsAt = null;
    pet.mealsFinished += 1;
    if (pet.cards.autoFeed > 0) {
      // Counted before the await, so no one reading the pet meanwhile sees it eating
      // again without the card used for it.
      pet.cards.autoFeed -= 1;
      pet.autoFedMeals += 1;
      try {
        // Scheduling the key whose handler is running is allowed: it becomes pending again.
        await this.scheduleMeal(pet);
      } catch (error) {
        // The meal did end, so the handler must not fail (a retry would end it twice);
        // the card is given back instead.
        pet.cards.autoFeed += 1;
        pet.autoFedMeals -= 1;
        this.logger.error(`Pet ${id}: auto-feed failed, card returned: ${String(error)}`);
      }
    }
    return pet;
  }

  private async scheduleMeal(pet: Pet): Promise<void> {
    const payload: PetMealPayload = { petId: pet.id };
    // Marked eating before the task exists, so the handler always finds a meal to end.
    pet.eating = true;
    pet.mealEndsAt = Date.now() + this.config.mealMs;
    try {
      const { dueAt } = await this.tasks.schedule(petMealKey(pet.id), payload, {
        delay: this.config.mealMs,
      });
      // Unless a zero-length meal has already ended meanwhile.
      if (pet.eating) pet.mealEndsAt = dueAt;
    } catch (error) {
      pet.eating = false;
      pet.mealEndsAt = null;
      throw error;
    }
  }

  private getOrCreate(id: string): Pet {
    let pet = this.pets.get(id);
    if (!pet) {
      pet = {
        id,
        eating: false,
        mealEndsAt: null,
        mealsFinished: 0,
        autoFedMeals: 0,
        accelerationCardsUsed: 0,
        cards: { autoFeed: 0 },
      };
      this.pets.set(id, pet);
    }
    return pet;
  }
}
