import { Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { Pet, PetsService } from './pets.service';

@Controller('pets')
export class PetsController {
  constructor(private readonly pets: PetsService) {}

  /** Starts a meal lasting `MEAL_MS` (409 if the pet is already eating). */
  @Post(':id/meals')
  startMeal(@Param('id') id: string): Promise<Pet> {
    return this.pets.startMeal(id);
  }

  /** Takes `ACCELERATION_MS` off the pending meal (404 unknown pet, 409 no pending meal). */
  @Post(':id/acceleration-card')
  @HttpCode(200)
  useAccelerationCard(@Param('id') id: string): Promise<Pet> {
    return this.pets.useAccelerationCard(id);
  }

  /** Grants one automatic refill, used when the current (or next) meal ends. */
  @Post(':id/auto-feed-card')
  @HttpCode(200)
  grantAutoFeedCard(@Param('id') id: string): Pet {
    return this.pets.grantAutoFeedCard(id);
  }

  @Get(':id')
  get(@Param('id') id: string): Pet {
    return this.pets.get(id);
  }
}
